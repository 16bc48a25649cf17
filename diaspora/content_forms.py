"""Forms for content in any language: one group of fields per language of CONTENT_LANGUAGES.

A form class declares its translatable fields in TRANSLATED; `translated_form()` builds (once per set of
languages) a subclass with a `<name>_<lang>` field for each, which templates lay out with
`language_groups()` (templates/_macros.html: translated_fields)."""
from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from flask_babel.speaklater import LazyString
from wtforms import Field, StringField, TextAreaField

from diaspora.content_i18n import I18nText, content_languages
from diaspora.forms import Form, MaxLength, strip
from diaspora.i18n import language_name


@dataclass(frozen=True)
class Translated:
    label: LazyString
    max_length: int
    multiline: bool = False


_classes: dict[tuple[type, tuple[str, ...]], type] = {}


def _form_class(cls: type[Form], languages: tuple[str, ...]) -> type[Form]:
    if (cls, languages) in _classes:
        return _classes[cls, languages]
    fields: dict[str, Field] = {}
    for name, spec in cls.TRANSLATED.items():
        for lang in languages:
            kind = TextAreaField if spec.multiline else StringField
            fields[f"{name}_{lang}"] = kind(spec.label, filters=[] if spec.multiline else [strip],
                                            validators=[MaxLength(spec.max_length)], render_kw={"lang": lang})
    fields["built_for_languages"] = languages  # type: ignore[assignment]
    _classes[cls, languages] = built = type(cls.__name__, (cls,), {"__module__": cls.__module__, **fields})
    return built


def translated_form(cls: type[Form], *args, **kwargs) -> Form:
    """An instance of `cls` with its TRANSLATED fields in every content language."""
    return _form_class(cls, content_languages())(*args, **kwargs)


def language_title(lang: str) -> str:
    """"Kazakh (қазақ тілі)": the language in the reader's words, and in its own when they differ."""
    name = language_name(lang)
    try:
        own = Locale.parse(lang).get_display_name(lang) or ""
    except (ValueError, LookupError, UnknownLocaleError):  # a code CLDR names but has no locale data for (crh)
        own = ""
    return f"{name} ({own})" if own and own.casefold() != name.casefold() else name


def language_groups(form: Form, names: Sequence[str] | None = None) -> list[tuple[str, str, list[Field]]]:
    """[(lang, its title, [fields of that language])] in CONTENT_LANGUAGES' order."""
    names = names or tuple(form.TRANSLATED)
    return [(lang, language_title(lang), [form[f"{name}_{lang}"] for name in names if f"{name}_{lang}" in form])
            for lang in content_languages()]


def form_text(form: Form, name: str) -> I18nText:
    """The per-language fields of `name` as one text."""
    return I18nText({lang: form[f"{name}_{lang}"].data or "" for lang in content_languages()
                     if f"{name}_{lang}" in form})


def form_data(values: dict, cls: type[Form]) -> dict:
    """`values` as form data: each translatable {language: text} spread over its `<name>_<lang>` fields."""
    data = {name: value for name, value in values.items() if name not in cls.TRANSLATED}
    for name in cls.TRANSLATED:
        texts = I18nText(values.get(name))
        data.update({f"{name}_{lang}": texts[lang] for lang in content_languages()})
    return data


def fill_form(form: Form, name: str, value: I18nText) -> None:
    for lang in content_languages():
        if f"{name}_{lang}" in form:
            form[f"{name}_{lang}"].data = value[lang]


def init_app(app) -> None:
    app.add_template_global(language_groups, "language_groups")
