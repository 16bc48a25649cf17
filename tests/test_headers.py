"""Response headers: a Content Security Policy whose only inline scripts are the map set-ups allowed by their
hash, HSTS over HTTPS, no framing, the camera only where tickets are scanned."""
import base64
import hashlib
import re


def script_policy(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


def test_scripts_run_only_from_the_site_or_by_their_hash(client, make_org):
    org_id = make_org()
    for url in ("/", "/map", "/help", "/events", f"/organizations/{org_id}", "/embed/map"):
        response = client.get(url)
        scripts = script_policy(response)
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
        assert "'nonce-" not in scripts, url
        allowed = set(re.findall(r"'(sha256-[A-Za-z0-9+/=]+)'", scripts))
        page = response.get_data(as_text=True)
        assert "nonce" not in page, url
        # every inline script is allowed by its hash; JSON data blocks are not scripts that run
        for attributes, code in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S):
            if 'type="application/json"' in attributes:
                continue
            digest = "sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
            assert digest in allowed, (url, code[:200])
    first, second = (script_policy(client.get("/map")) for _ in range(2))
    assert first == second and "'sha256-" in first  # the same page, the same policy


def test_hsts_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    max_age = int(re.match(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"]).group(1))
    assert max_age >= 365 * 24 * 3600


def test_pages_cannot_be_framed_and_keep_their_address_to_themselves(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-XSS-Protection" not in response.headers
