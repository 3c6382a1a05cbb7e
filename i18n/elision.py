"""French elision before a value, in one place: « de {erp} » reads « d'Acumatica » but « de Xero »,
« que {name} » reads « qu'Émilie ». Catalogs write the plain form (« de {erp} »); `Words`
applies this to French templates before filling them, from the values themselves.

What counts as a vowel sound is the value's first written letter: a, e, i, o, u (accented or
not). Not elided: a consonant letter, even one whose French name starts with a vowel sound (MRI,
MYOB: « de MRI », « de MYOB Advanced »), nor h or y (a brand's h is read aspirated, Yardi's y is
a consonant). The OQLF says elision before a letter name is optional and "moins fréquente avec
le e de la préposition de" (vitrinelinguistique.oqlf.gouv.qc.ca/21786), and Grevisse notes that
a sigle starting with a consonant is more commonly not elided: the plain form is the safe one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: « de » or « que » right before a placeholder (maybe inside bold or italics markup)
_BEFORE_VALUE = re.compile(r"\b([Dd]e|[Qq]ue) ([*_]?)\{(\w+)\}")
_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")


def vowel_sound(value: str) -> bool:
    """Whether French elides before `value` (its first letter, after any markup)."""
    letters = value.lstrip("*_ ")
    return bool(letters) and letters[0].lower() in _VOWELS


def elide(template: str, values: Mapping[str, object]) -> str:
    """`template` with « de {x} » → « d'{x} » (« que » → « qu' ») where x's value starts with a
    vowel sound; placeholders are kept, so the values fill it as before."""

    def written(match: re.Match[str]) -> str:
        word, markup, name = match.groups()
        value = values.get(name)
        if isinstance(value, str) and vowel_sound(value):
            return f"{word[:-1]}'{markup}{{{name}}}"
        return match.group(0)

    return _BEFORE_VALUE.sub(written, template)
