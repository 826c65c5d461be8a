"""Finnish payment reference numbers (viitenumero)."""

_WEIGHTS = (7, 3, 1)


def finnish_reference(base: str) -> str:
    """Return the reference number for a base of 3–19 digits: the base and its check digit."""
    if not base.isdigit() or not 3 <= len(base) <= 19:
        raise ValueError("a reference base has 3 to 19 digits")
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return base + str((10 - total % 10) % 10)
