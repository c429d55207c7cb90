"""A book's accounts and auxiliary items as voucher checks need them (domain/vouchers.py's
AccountInfo and AuxLookup): read once per voucher, or once for a whole batch."""
from sqlalchemy import String, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from servicekit.ids import valid_uuid

from ..domain.vouchers import AccountInfo, AuxInfo, AuxLookup
from ..tables import accounts, aux_items

# built once, with array parameters (building a select costs more than running it)
_ACCOUNT_INFOS = select(accounts.c.code, accounts.c.name, accounts.c.is_leaf, accounts.c.enabled, accounts.c.auxiliary,
                        accounts.c["class"], accounts.c.direction).where(accounts.c.book_id == bindparam("book_id"))
_ACCOUNT_INFOS_OF = _ACCOUNT_INFOS.where(accounts.c.code == any_(bindparam("codes", type_=ARRAY(String))))


def account_infos(session, book_id, codes=None):
    """{code: AccountInfo} for the book (all accounts, or those with the given codes)."""
    if codes is None:
        rows = session.execute(_ACCOUNT_INFOS, {"book_id": book_id})
    else:
        rows = session.execute(_ACCOUNT_INFOS_OF, {"book_id": book_id, "codes": sorted(set(codes))})
    return {row.code: AccountInfo(row.code, row.name, row.is_leaf, row.enabled, tuple(row.auxiliary),
                                  row._mapping["class"], row.direction)
            for row in rows}


def aux_lookup(session, book_id, refs=None):
    """The book's aux items as an AuxLookup: all of them, or those `refs` may name
    (ids, codes, or {"kind", "code"})."""
    query = select(aux_items).where(aux_items.c.book_id == book_id)
    if refs is not None:
        refs = [ref for ref in refs if ref]
        if not refs:
            return AuxLookup()
        ids = sorted({valid_uuid(ref) for ref in refs if not isinstance(ref, dict) and valid_uuid(ref)})
        codes = sorted({ref["code"] if isinstance(ref, dict) else ref for ref in refs})
        query = query.where(or_(aux_items.c.id.in_(ids), aux_items.c.code.in_(codes)))
    return AuxLookup.of(AuxInfo(str(row.id), row.kind, row.code, row.name, row.enabled)
                        for row in session.execute(query))
