from services.clients.domain.masking import mask_account_number, mask_id_number, mask_middle


def test_id_numbers_keep_four_and_four():
    assert mask_id_number("610102199001011231") == "6101**********1231"
    assert len(mask_id_number("11010519491231002X")) == 18


def test_account_numbers_keep_four_and_four():
    assert mask_account_number("6222021234567890123") == "6222***********0123"
    assert mask_account_number("6222 0212 3456 7890") == "6222********7890"


def test_short_values_hide_at_least_half():
    for value in ("12345678", "123456", "1234", "12", "1", ""):
        masked = mask_middle(value)
        assert len(masked) == len(value)
        assert masked.count("*") >= len(value) / 2
    assert mask_middle("12345678") == "12****78"
