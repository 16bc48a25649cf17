"""Short random codes a person reads aloud or types: a registration's door code, a help request's reference."""
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
