"""Finnish payment reference numbers: the 7-3-1 check digit."""

import pytest

from portal.services.references import finnish_reference


@pytest.mark.parametrize(
    ("base", "reference"), [("123", "1232"), ("1234567", "12345672"), ("20010001", "200100014")]
)
def test_check_digit(base, reference):
    assert finnish_reference(base) == reference


@pytest.mark.parametrize("base", ["12", "12a4", "1" * 20])
def test_malformed_base_is_refused(base):
    with pytest.raises(ValueError):
        finnish_reference(base)
