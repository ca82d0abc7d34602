"""Who may see a quote or an exchange: its owner, the partners involved, ops. Everyone else gets 404."""

from servicekit.principal import Principal
from valuation.domain.refusal import not_found


def may_see(principal: Principal, account_id: str, *partner_keys: str | None) -> bool:
    if principal.is_ops:
        return True
    if principal.kind == "customer":
        return principal.subject == account_id
    if principal.is_partner:
        return principal.subject is not None and principal.subject in partner_keys
    return False


def require_visible(principal: Principal, what: str, account_id: str, *partner_keys: str | None) -> None:
    if not may_see(principal, account_id, *partner_keys):
        raise not_found(what)
