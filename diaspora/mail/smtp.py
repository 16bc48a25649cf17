"""The SMTP sender: letters to the configured server, one connection for a batch, opened when the first
letter goes. Errors are sorted into "the server is unreachable" (every message would fail alike) and
"this message was refused"."""
import contextlib
import smtplib
import socket
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from diaspora.mail import smtp_configured
from diaspora.mail.letter import Letter, Refused, Unavailable

# 421: the server is closing the connection (going down, too busy): nothing to do with the message.
SERVICE_UNAVAILABLE = 421
QUIT_TIMEOUT = 5


def build_email(letter: Letter, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = letter.to
    email["Subject"] = letter.subject
    if letter.reply_to:
        email["Reply-To"] = letter.reply_to
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    for name, value in letter.headers:
        email[name] = value
    email.set_content(letter.body)
    for filename, content_type, content in letter.attachments:
        maintype, _, subtype = content_type.partition("/")
        if maintype == "text":  # a calendar file: UTF-8 text, so the charset travels with it
            email.add_attachment(content.decode("utf-8"), subtype=subtype, filename=filename)
        else:
            email.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return email


def _refusal(error: smtplib.SMTPException) -> Exception:
    """Unavailable or Refused for an error the server gave about one message."""
    codes: set[int | None]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in error.recipients.values()}
    else:
        codes = {getattr(error, "smtp_code", None)}
    return Unavailable() if SERVICE_UNAVAILABLE in codes else Refused()


class _Connection:
    def __init__(self, config):
        self.config = config
        self.smtp = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        timeout = config["MAIL_TIMEOUT"]
        smtp: smtplib.SMTP
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, letter: Letter) -> None:
        email = build_email(letter, self.config["MAIL_DEFAULT_SENDER"])
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(email)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            refusal = _refusal(error)
            if isinstance(refusal, Unavailable):
                self.close(quit=False)
            raise refusal from error
        except smtplib.SMTPNotSupportedError as error:
            if self.smtp is not None and self.smtp.does_esmtp:  # e.g. an address that needs SMTPUTF8
                raise Refused() from error
            self.close(quit=False)
            raise Unavailable() from error
        except OSError as error:  # refused, timed out, hung up, TLS or login failed (smtplib's errors too)
            self.close(quit=False)
            raise Unavailable() from error
        except BaseException:  # the worker stopping mid-conversation: the connection is in no state for QUIT
            self.close(quit=False)
            raise

    def abort(self) -> bool:
        """Shut the open connection down (from a signal handler): a wait on it ends with an error now. False
        before the connection is open and greeted: nothing can have been sent yet."""
        sock = getattr(self.smtp, "sock", None)
        if sock is None:
            return False
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under TLS too
        return True

    def close(self, quit: bool = True) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if quit and smtp.sock is not None:
                smtp.sock.settimeout(min(self.config["MAIL_TIMEOUT"], QUIT_TIMEOUT))  # a goodbye is not worth a wait
                smtp.quit()
        except OSError:
            pass
        finally:
            smtp.close()


class SmtpSender:
    """Mail through MAIL_SERVER (MAIL_PORT, MAIL_USE_TLS or MAIL_USE_SSL, MAIL_USERNAME, MAIL_TIMEOUT)."""

    name = "mail"
    channel = "mail"

    def __init__(self):
        self._connection: _Connection | None = None

    def configured(self) -> bool:
        return smtp_configured()

    @contextmanager
    def session(self):
        connection = self._connection = _Connection(current_app.config)
        try:
            yield connection.send
        finally:
            self._connection = None
            connection.close()

    def abort(self) -> bool:
        connection = self._connection
        return connection is not None and connection.abort()
