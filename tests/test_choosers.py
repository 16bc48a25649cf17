"""Several choices are checkboxes, never a Ctrl-click <select multiple>: the languages of an association, an
offer and an alert subscription come as a searchable checkbox list, the chosen ones first."""
import re


def options(page: str, name: str) -> list[tuple[str, bool]]:
    """(value, checked) of the checkboxes called `name`, in page order."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [(re.findall(r'value="([^"]*)"', box)[0], " checked" in box) for box in boxes]


def test_the_languages_of_an_association_are_a_checkbox_list_with_the_chosen_first(client, make_user, login):
    login(make_user())
    page = client.get("/organizations/new").get_data(as_text=True)
    assert "<select multiple" not in page and "Ctrl" not in page
    assert 'data-chooser' in page and 'type="search"' in page
    assert len(options(page, "languages")) > 100

    # sent back with an error: what was ticked is kept, and listed first
    response = client.post("/organizations/new", data={"name": "", "languages": ["uz", "ky"]})
    page = response.get_data(as_text=True)
    assert 'id="name-error"' in page
    chosen = options(page, "languages")
    assert sorted(chosen[:2]) == [("ky", True), ("uz", True)]
    assert not any(checked for _, checked in chosen[2:])


def test_the_alerts_form_chooses_languages_with_checkboxes(client):
    page = client.get("/alerts").get_data(as_text=True)
    assert "<select multiple" not in page
    assert 'data-chooser' in page and len(options(page, "languages")) > 100


def test_a_required_mark_sits_inside_its_label(client):
    page = client.get("/auth/signup").get_data(as_text=True)
    label = re.search(r'<label class="label" for="email">.*?</label>', page, re.S)
    assert label and 'class="required"' in label.group(0)
