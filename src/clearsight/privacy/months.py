"""Month names, for dates of birth written in words ("14 March 1987").

The languages are those of the birth labels the detector table knows
(English, German, French, Spanish, Italian, Dutch, Polish, Swedish, Danish,
Finnish), full and in their usual abbreviations. Polish and Finnish dates
put the month in the genitive ("14 marca 1987", "14. maaliskuuta 1987"), so
those forms are listed too. No name means two different months in two of
these languages, so one table serves them all.
"""

from __future__ import annotations

_NAMES: tuple[tuple[int, str], ...] = (
    (
        1,
        "january jan januar jänner janvier janv enero ene gennaio gen januari"
        " styczeń stycznia sty tammikuu tammikuuta",
    ),
    (
        2,
        "february feb februar février fevrier févr fevr febrero febbraio februari"
        " luty lutego lut helmikuu helmikuuta",
    ),
    (3, "march mar märz maerz mrz mars marzo maart mrt marzec marca marts maaliskuu maaliskuuta"),
    (4, "april apr avril avr abril abr aprile kwiecień kwietnia kwi huhtikuu huhtikuuta"),
    (5, "may mai mayo maggio mag mei maj maja toukokuu toukokuuta"),
    (6, "june jun juni juin junio giugno giu czerwiec czerwca cze kesäkuu kesäkuuta"),
    (7, "july jul juli juillet juil julio luglio lug lipiec lipca lip heinäkuu heinäkuuta"),
    (8, "august aug août aout agosto ago augustus augusti sierpień sierpnia sie elokuu elokuuta"),
    (
        9,
        "september sep sept septembre septiembre setiembre settembre set wrzesień września"
        " wrz syyskuu syyskuuta",
    ),
    (
        10,
        "october oct oktober okt octobre octubre ottobre ott październik października"
        " paź lokakuu lokakuuta",
    ),
    (11, "november nov novembre noviembre listopad listopada lis marraskuu marraskuuta"),
    (
        12,
        "december dec dezember dez décembre decembre déc diciembre dic dicembre"
        " grudzień grudnia gru joulukuu joulukuuta",
    ),
)
MONTHS: dict[str, int] = {name: n for n, names in _NAMES for name in names.split()}


def number(name: str) -> int:
    """The month a name stands for, 0 when it is none."""
    return MONTHS.get(name.lower().rstrip("."), 0)


def alternation() -> str:
    """Every name as one RE2 alternation, longest first ("march" before "mar").
    Matching is case-insensitive for ASCII letters only: RE2 reads the
    scrubber's bytes as Latin-1, so "MÄRZ" in capitals is not found."""
    return "|".join(sorted(MONTHS, key=lambda n: (-len(n), n)))
