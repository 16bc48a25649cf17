"""Response headers: a Content Security Policy whose only inline scripts are the map set-ups carrying this
response's nonce, HSTS over HTTPS, no framing, the camera only where tickets are scanned."""
import re


def script_policy(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split(";") if part.strip().startswith("script-src"))


def test_scripts_run_only_from_the_site_or_with_this_response_nonce(client, make_org):
    org_id = make_org()
    for url in ("/", "/map", "/help", "/events", f"/organizations/{org_id}"):
        response = client.get(url)
        scripts = script_policy(response)
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
        nonce = re.search(r"'nonce-([\w-]+)'", scripts)
        assert nonce, url
        page = response.get_data(as_text=True)
        # every inline script carries the nonce; JSON data blocks are not scripts that run
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page):
            assert f'nonce="{nonce.group(1)}"' in tag or 'type="application/json"' in tag, (url, tag)
    first, second = (script_policy(client.get("/map")) for _ in range(2))
    assert first != second  # a fresh nonce for every response


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
