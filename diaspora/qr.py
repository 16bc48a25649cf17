"""QR codes, one configuration for web and print: an event's check-in code, a help request's private link."""
import qrcode
import qrcode.image.svg
from markupsafe import escape
from qrcode.constants import ERROR_CORRECT_M


def _qr(text: str, image_factory=None) -> qrcode.QRCode:
    """The one QR configuration for web and print: medium error correction, the standard 4-module
    quiet zone (scanners need it)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, image_factory=image_factory)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_matrix(text: str) -> list[list[bool]]:
    """Rows of modules, True for dark, quiet zone included."""
    return _qr(text).get_matrix()


def qr_svg(text: str, size_px: int = 220, label: str = "") -> str:
    """An inline <svg> of the QR code, on white, to put straight into a page."""
    image = _qr(text, qrcode.image.svg.SvgPathImage).make_image()
    modules = len(image.modules) + 2 * image.border
    # Only the path's outline is taken from qrcode (digits and M/H/V/z): our own element gets a white
    # background, pixel size, accessible name, and no fixed id that two codes on one page would share.
    path = image.path.get("d") if image.path is not None else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(size_px)}" height="{int(size_px)}" '
            f'viewBox="0 0 {modules} {modules}" role="img" aria-label="{escape(label)}" '
            f'shape-rendering="crispEdges">'
            f'<rect width="100%" height="100%" fill="#fff"/><path d="{escape(path)}" fill="#000"/></svg>')
