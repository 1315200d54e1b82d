"""Flask-WTF forms: the shape of input only. Whether a thing may happen is for the services."""
import re
from functools import lru_cache

from babel import support
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import current_language, form_guard
from .ids import parse_id
from .models.event import CHOICES_SEPARATOR, QuestionKind
from .models.organisation import KIND_LABELS
from .services.buyers import address_errors, normalised_postcode, validate_peppol_id
from .services.email_addresses import checked_email
from .services.errors import DomainError
from .services.organisations import validate_org_number

NAME_MAX = 200


class Form(FlaskForm):
    """The base of every form here: wtforms' own messages in the visitor's language, from a catalogue
    read once per language and process (Flask-WTF would read it from disk on every request)."""

    class Meta:
        def get_translations(self, form):
            return wtforms_catalogue(current_language())


    def error_list(self) -> list[tuple[str, list[str]]]:
        """(field id, messages) of every field with errors, those of rows of lists included."""
        found = []

        def walk(fields):
            for field in fields:
                if isinstance(field, FieldList):
                    walk(field.entries)
                    if self.list_errors.get(field.name):
                        found.append((field.id, [str(message) for message in self.list_errors[field.name]]))
                elif isinstance(field, FormField):
                    walk(field.form)
                elif field.errors and field.name != "csrf_token":
                    found.append((field.id, [str(message) for message in field.errors]))

        walk(self)
        return found

    @property
    def list_errors(self) -> dict[str, list]:
        """Messages about a list of rows as a whole, by the list's name (set by the view)."""
        if "_list_errors" not in self.__dict__:
            self._list_errors = {}
        return self._list_errors

    def field_named(self, name: str):
        """The field posted as ``name`` (``agenda-0-title`` for a row's), or None."""
        def walk(fields):
            for field in fields:
                if field.name == name:
                    return field
                if isinstance(field, FieldList | FormField):
                    found = walk(field.entries if isinstance(field, FieldList) else field.form)
                    if found is not None:
                        return found
            return None

        return walk(self)


@lru_cache(maxsize=4)
def wtforms_catalogue(language: str) -> support.Translations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def single_line(form, field):
    """No line breaks or other control characters in one-line fields (they end up in e-mail headers)."""
    if field.data and any(ord(c) < 32 or ord(c) == 127 for c in field.data):
        raise ValidationError(_l("Line breaks and control characters are not allowed here."))


def org_number(form, field):
    if field.data and field.data.strip():
        try:
            field.data = validate_org_number(field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from None


def mailbox(form, field):
    """An e-mail address our messages can reach; the rule is the e-mail address service's."""
    if field.data:
        try:
            checked_email(field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from None


def peppol_id(form, field):
    if field.data and field.data.strip():
        try:
            field.data = validate_peppol_id(field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from None


def left_empty(form, field):
    """The honeypot: hidden from people, so only a robot fills it in."""
    if field.data:
        raise ValidationError(_l("Leave this field empty."))


def filled_in_by_a_person(form, field):
    """The form was shown long enough ago for a person to have filled it in."""
    minimum = form_guard.minimum_fill_seconds()
    if minimum <= 0:
        return
    age = form_guard.seconds_since(field.data)
    if age is None:
        field.data = form_guard.new_stamp()
        raise ValidationError(_l("The form had expired. Please check your details and send it again."))
    if age < minimum:
        raise ValidationError(_l("The form was sent faster than a person can fill it in. "
                                 "Please check your details and send it again."))


def row_id(value) -> int:
    """``coerce`` of a list of ids: ``ids.parse_id``'s reading, or the ValueError that makes it a field error."""
    parsed = parse_id(str(value))
    if parsed is None:
        raise ValueError(_l("Not a valid choice."))
    return parsed


def an_id(form, field):
    """The id of a row, as ``ids.parse_id`` reads it (a hidden field only a hand-made request gets wrong)."""
    if parse_id(field.data) is None:
        raise ValidationError(_l("Not a valid choice."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _required(message):
    return InputRequired(message=message)


class InvoiceAddressFields:
    """The buyer's postal address for the invoice: street, postcode and city, all or none (the rule is the
    buyer service's); mixed into a form."""

    invoice_street = StringField(_l("Street address or box"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    invoice_postcode = StringField(_l("Postcode"), filters=[_strip], validators=[
        Optional(), Length(max=10, message=_l("At most %(max)d characters.")), single_line])
    invoice_city = StringField(_l("City"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), single_line])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        fields = (self.invoice_street, self.invoice_postcode, self.invoice_city)
        if any(field.errors for field in fields):
            return False
        errors = address_errors(*(field.data or "" for field in fields), required=False)
        for name, messages in errors.items():
            self[name].errors = list(self[name].errors) + [str(m) for m in messages]
        if errors:
            return False
        self.invoice_postcode.data = normalised_postcode(self.invoice_postcode.data or "") or ""
        return valid


class PersonFields(Form):
    first_name = StringField(_l("First name"), filters=[_strip], validators=[
        _required(_l("Enter your first name.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    last_name = StringField(_l("Last name"), filters=[_strip], validators=[
        _required(_l("Enter your last name.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        _required(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")),
        mailbox])
    job_title = StringField(_l("Job title"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    phone = StringField(_l("Phone (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=40, message=_l("At most %(max)d characters.")),
        Regexp(r"^\+?[0-9 ()\-]{5,}$", message=_l("Enter a phone number with digits, e.g. 070-123 45 67."))])
    dietary = TextAreaField(_l("Dietary needs or allergies (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters."))])


class ColleagueRowForm(Form):
    """A colleague the booker books on the same form (``colleagues-N-*``); a row left blank is no one."""

    class Meta:
        csrf = False

    first_name = StringField(_l("First name"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    last_name = StringField(_l("Last name"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        Optional(), Length(max=254, message=_l("At most %(max)d characters.")), mailbox])
    job_title = StringField(_l("Job title"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    dietary = StringField(_l("Dietary needs or allergies (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters.")), single_line])

    @property
    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("first_name", "last_name", "email", "job_title",
                                                                    "dietary"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_blank:
            return valid
        for name, message in (("first_name", _l("Enter your colleague's first name.")),
                              ("last_name", _l("Enter your colleague's last name.")),
                              ("email", _l("Enter your colleague's e-mail address."))):
            if not (self[name].data or "").strip() and not self[name].errors:
                self[name].errors = list(self[name].errors) + [message]
                valid = False
        return valid


#: The colleagues one form takes; one more is read, so that the service can say there are too many.
MAX_COLLEAGUE_ROWS = 21


class ColleagueList(FieldList):
    """The colleague rows: only ASCII digits are row numbers ("colleagues-²-email" is no row, not a 500)."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix + self._separator):
                part = key[offset:].split(self._separator, 1)[0]
                if part.isascii() and part.isdigit() and len(part) < 7:
                    yield int(part)


class BookingFields:
    """A group booking and a paid event's code, mixed into the registration form (rule 8 and 9)."""

    colleagues = ColleagueList(FormField(ColleagueRowForm), min_entries=0, max_entries=MAX_COLLEAGUE_ROWS)
    booker_not_attending = BooleanField(_l("I only book for my colleagues; I do not attend myself"))
    discount_code = StringField(_l("Discount code (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=40, message=_l("At most %(max)d characters.")), single_line])

    def filled_colleagues(self) -> list:
        """The rows of colleagues not left blank, in form order."""
        return [row.form for row in self.colleagues.entries if not row.form.is_blank]


class RegistrationForm(BookingFields, InvoiceAddressFields, PersonFields):
    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[
        _required(_l("Enter your organisation, e.g. Nacka kommun.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    organisation_kind = SelectField(
        _l("Type of organisation"),
        choices=[SelectChoice("", "–")]
        + [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[Optional()],
    )
    org_number = StringField(_l("Organisation number (optional)"), filters=[_strip],
                             validators=[Optional(), Length(max=20), org_number])
    invoice_reference = StringField(_l("Invoice reference (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), single_line])
    invoice_address = TextAreaField(_l("Extra line on the invoice (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters."))])
    peppol_id = StringField(_l("Peppol ID for e-invoices (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=60, message=_l("At most %(max)d characters.")), peppol_id])
    consent = BooleanField(
        _l("I agree that my details are stored to handle my registration."),
        validators=[InputRequired(message=_l("You must agree to the handling of your details to register."))],
    )
    #: Honeypot against robots: hidden by the style sheet, so people leave it empty.
    website = StringField(_l("Leave this field empty"), validators=[left_empty])
    #: When the form was shown, signed (the view gives a blank form its stamp); see form_guard.
    form_shown = HiddenField(_l("The form"), validators=[filled_in_by_a_person])


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def registration_form_for(questions, sessions=(), full=frozenset()) -> RegistrationForm:
    """The registration form with a field per question of the event (``question_<id>``), in the
    visitor's language, and the choosable ``sessions`` as checkboxes named ``sessions`` (``full``:
    the ids of those without a place left, marked so).

    The form only shapes the input; whether an answer is required or allowed is the questions
    service's to say (so the API and the form share one rule), and whether a pick is the sessions
    service's.
    """
    if not questions and not sessions:
        form = RegistrationForm()
        form.questions = []
        return form

    class EventRegistrationForm(RegistrationForm):
        pass

    for question in questions:
        setattr(EventRegistrationForm, question.field_name, _question_field(question))
    if sessions:
        EventRegistrationForm.sessions = session_choice_field(sessions, full)
    form = EventRegistrationForm()
    form.questions = [form[question.field_name] for question in questions]
    page = current_language()
    for question, field in zip(questions, form.questions, strict=True):
        # The languages of the organiser's texts where they are not the page's, for the page to mark.
        language = question.localised.text.lang
        field.text_lang = language if language != page else None
        field.choice_langs = {value: label.lang for value, label in question.choice_labels()
                              if getattr(label, "lang", page) != page}
    return form


def session_choice_field(sessions, full=frozenset()) -> "CheckboxesField":
    """Checkboxes named ``sessions`` whose values are the sessions' ids, each labelled with its
    time, its places and whether it is full."""
    from .formatting import format_period

    def label(session) -> str:
        text = f"{session.localised.title}, {format_period(session.starts_at, session.ends_at)}"
        if session.id in full:
            return gettext("%(session)s (fully booked)", session=text)
        if session.capacity:
            return ngettext("%(session)s (%(num)d place)", "%(session)s (%(num)d places)", session.capacity,
                            session=text)
        return text

    return CheckboxesField(_l("Sessions to choose (optional)"), validate_choice=False,
                           choices=[SelectChoice(str(s.id), label(s)) for s in sessions],
                           description=_l("Sessions at the same time cannot both be picked."))


def _question_field(question):
    text = question.localised.text
    # A plain string, so the label escapes the organiser's text (a lazy string would count as markup).
    label = str(text) if question.required else gettext("%(question)s (optional)", question=text)
    options = {"description": str(question.localised.help_text)}
    kind = question.question_kind
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(label, filters=[_strip], **options)
    if kind == QuestionKind.CHOICES:
        return CheckboxesField(label, choices=_choices(question), validate_choice=False, **options)
    if kind in (QuestionKind.CHOICE, QuestionKind.YES_NO):
        return RadioField(label, choices=_choices(question), validate_choice=False, filters=[_strip], **options)
    return StringField(label, filters=[_strip], **options)


def _choices(question) -> list[SelectChoice]:
    # Plain strings, so that the labels escape the organiser's text.
    return [SelectChoice(value, str(label)) for value, label in question.choice_labels()]


def answers_from(form: FlaskForm, questions) -> dict[int, str]:
    """{question id: answer} as the questions service takes them: several choices one per line."""
    answers = {}
    for question in questions:
        data = form[question.field_name].data
        answers[question.id] = CHOICES_SEPARATOR.join(data) if isinstance(data, list) else data or ""
    return answers


def session_choice_form(sessions, full=frozenset(), chosen=()) -> FlaskForm:
    """The personal page's form to change the sessions picked (``chosen``: ids picked now)."""

    class SessionChoiceForm(FlaskForm):
        pass

    SessionChoiceForm.sessions = session_choice_field(sessions, full)
    form = SessionChoiceForm()
    if not form.is_submitted():
        form.sessions.data = [str(session_id) for session_id in chosen]
    return form


class TransferForm(PersonFields):
    """The colleague who takes the place."""

    confirm = BooleanField(_l("I hand over my place to this colleague."),
                           validators=[InputRequired(message=_l("Confirm that you hand over your place."))])


class ColleagueForm(Form):
    """A colleague the booker adds to a group booking."""

    first_name = StringField(_l("First name"), filters=[_strip], validators=[
        _required(_l("Enter your colleague's first name.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    last_name = StringField(_l("Last name"), filters=[_strip], validators=[
        _required(_l("Enter your colleague's last name.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        _required(_l("Enter your colleague's e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")), mailbox])
    job_title = StringField(_l("Job title"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    dietary = StringField(_l("Dietary needs or allergies (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters.")), single_line])


class InvoiceDetailsLookupForm(Form):
    """An organisation's name and number, to offer the invoice details it gave before."""

    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[
        _required(_l("Enter your organisation, e.g. Nacka kommun.")), Length(max=NAME_MAX), single_line])
    org_number = StringField(_l("Organisation number"), filters=[_strip], validators=[
        _required(_l("Enter the organisation number.")), Length(max=20), org_number])


class ConfirmForm(Form):
    """A bare form for confirmation buttons: carries the CSRF token."""


class LoginForm(Form):
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[_required(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[_required(_l("Enter your password."))])


class PasswordResetForm(Form):
    """"Glömt lösenord?": the address to send a link to."""

    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        _required(_l("Enter your e-mail address.")), Length(max=254, message=_l("At most %(max)d characters."))])


class ChoosePasswordForm(Form):
    """A new password, chosen with a link from an invitation or a reset; its rules are the service's."""

    password = PasswordField(_l("New password"), validators=[_required(_l("Choose a password."))])
    repeat = PasswordField(_l("The same password again"), validators=[_required(_l("Type the password again."))])


def _roles():
    from .models.user import Role

    return [SelectChoice(role.value, role.label) for role in Role]


class StaffEditForm(Form):
    """An account's name, role and, for a check-in volunteer, events (their choices set by the view)."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    role = RadioField(_l("Role"), choices=_roles, validators=[_required(_l("Choose a role."))])
    events = SelectMultipleField(_l("Events at whose door a check-in volunteer works"), coerce=row_id, choices=[],
                                 validate_choice=False)


class StaffInviteForm(StaffEditForm):
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        _required(_l("Enter the e-mail address to send the invitation to.")),
        Length(max=254, message=_l("At most %(max)d characters.")), mailbox])


# No-show fees and invoices ---------------------------------------------------------------------


KRONOR_MESSAGE = _l("Enter an amount in kronor, e.g. 250 or 250,50.")


class KronorField(StringField):
    """An amount typed in kronor as Swedes write it ("312,50", "1 250", "250 kr"); its data is integer
    öre. A minus sign is read, so that a validator can say that the amount cannot be negative."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not self.raw:
            return
        text = self.raw.replace("\u00a0", "").replace(" ", "").removesuffix("kr").replace(",", ".")
        match = re.fullmatch(r"(-?)(\d{1,12})(?:\.(\d{1,2}))?", text)
        if match is None:
            raise ValueError(KRONOR_MESSAGE)
        ore = int(match.group(2)) * 100 + int((match.group(3) or "0").ljust(2, "0"))
        self.data = -ore if match.group(1) else ore

    def _value(self):
        if getattr(self, "raw", ""):
            return self.raw
        if isinstance(self.data, int):
            whole, ore = divmod(abs(self.data), 100)
            return ("-" if self.data < 0 else "") + (f"{whole},{ore:02d}" if ore else str(whole))
        return ""


class WaiveForm(Form):
    registration = HiddenField(validators=[InputRequired(), an_id])
    reason = StringField(_l("Reason"), filters=[_strip], validators=[
        _required(_l("Give a reason for waiving the fee.")),
        Length(max=500, message=_l("At most %(max)d characters.")), single_line])


class VatTreatmentForm(Form):
    vat_treatment = RadioField(_l("VAT on the no-show fee"), choices=[
        SelectChoice("standard", _l("25 % VAT (standard rate)")),
        SelectChoice("outside_scope", _l("Outside the scope of VAT"))],
        validators=[InputRequired(message=_l("Choose a VAT treatment."))])
    vat_exemption_reason = StringField(_l("Reason printed on the invoice when outside the scope of VAT"),
                                       filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])


class InvoiceFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    status = SelectField(_l("Status"), choices=[
        SelectChoice("", _l("All")), SelectChoice("issued", _l("Issued")), SelectChoice("sent", _l("Sent")),
        SelectChoice("paid", _l("Paid")), SelectChoice("refund_due", _l("Refund due")),
        SelectChoice("credited", _l("Credited")),
        SelectChoice("credit_note", _l("Credit note"))], validators=[Optional()])
    buyer = StringField(_l("Buyer or organisation number"), filters=[_strip], validators=[Optional(), Length(max=200)])
    date_from = DateField(_l("Invoice date from"), validators=[Optional()])
    date_to = DateField(_l("Invoice date to"), validators=[Optional()])


class DateActionForm(Form):
    """Mark an invoice sent or paid on a date."""

    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    amount = KronorField(_l("Amount (kr, empty for the whole balance)"), validators=[Optional()])


class EmailInvoiceForm(Form):
    """Send an invoice or credit note by e-mail (again), to the address shown or a corrected one."""

    recipient = EmailField(_l("E-mail address"), filters=[_strip], validators=[
        _required(_l("Enter the e-mail address to send it to.")),
        Length(max=254, message=_l("At most %(max)d characters.")),
        mailbox])


class CreditForm(Form):
    """A credit note: the ticked lines or the whole invoice, a reason, then a confirmation."""

    lines = SelectMultipleField(_l("Lines to credit"), coerce=row_id, validators=[Optional()])
    whole = BooleanField(_l("The whole invoice (every line not yet credited)"))
    reason = StringField(_l("Reason (printed on the credit note)"), filters=[_strip], validators=[
        _required(_l("Give the reason for the credit note; it is printed on it.")),
        Length(max=500, message=_l("At most %(max)d characters.")), single_line])
    #: Set by the confirmation page: only then is the credit note issued.
    confirmed = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.lines.errors and not self.lines.data and not self.whole.data:
            self.lines.errors = list(self.lines.errors) + [_l("Tick the lines to credit, or the whole invoice.")]
            valid = False
        return valid


class BuyerForm(InvoiceAddressFields, Form):
    """Finance completes a buyer that was held back."""

    org_number = StringField(_l("Organisation number (empty: keep the one given)"), filters=[_strip], validators=[
        Optional(), Length(max=20), org_number])
    peppol_id = StringField(_l("Peppol ID (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=60), peppol_id])
class CheckinCodeForm(Form):
    """The code field at the door: typed, or sent by a handheld scanner ending with Enter."""

    code = StringField(_l("Code on the badge"), validators=[
        _required(_l("Scan the badge or type its code.")), Length(max=200, message=_l("At most %(max)d characters."))])


class WalkInForm(PersonFields):
    """Someone who turns up without a registration."""

    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[
        _required(_l("Enter the organisation, e.g. Nacka kommun.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    consent = BooleanField(
        _l("The person agrees that their details are stored to handle the registration."),
        validators=[InputRequired(message=_l("Ask the person for consent before registering them."))],
    )


class AssignVolunteerForm(Form):
    """Choose a check-in account for an event's door; the choices are set by the view."""

    email = SelectField(_l("Check-in account"), choices=[], validate_choice=False,
                        validators=[_required(_l("Choose a check-in account."))])


# The back office ---------------------------------------------------------------------------------

def _kinds():
    from .models.event import EventKind

    return [SelectChoice(kind.value, kind.label) for kind in EventKind]


def _vat_treatments():
    from .models import VatTreatment

    return [SelectChoice(treatment.value, treatment.label) for treatment in VatTreatment]


def _invoice_timings():
    from .models import InvoiceTiming

    return [SelectChoice(timing.value, timing.label) for timing in InvoiceTiming]


def _not_negative(form, field):
    if field.data is not None and field.data < 0:
        raise ValidationError(_l("An amount cannot be negative."))


DATETIME_MESSAGE = _l("Enter a date and time like 2027-02-15 08:30.")
DATE_MESSAGE = _l("Enter a date like 2027-02-01.")


#: The most rows a list of the event form takes (the services set the real limits).
MAX_ROWS = 100
TIME_MESSAGE = _l("Enter a time like 08:30.")


class RowList(FieldList):
    """A FieldList of rows that takes only ASCII digits as row numbers (WTForms' own check would
    let "agenda-²-title" through to int(), and fail)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_entries=0, max_entries=MAX_ROWS, **kwargs)

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix + self._separator):
                part = key[offset:].split(self._separator, 1)[0]
                if part.isascii() and part.isdigit():
                    yield int(part)


class RowForm(Form):
    """One row of a list in a form: the form around it carries the CSRF token."""

    class Meta:
        csrf = False


def _text(label, max_length: int, *, one_line: bool = True):
    validators = [Optional(), Length(max=max_length, message=_l("At most %(max)d characters."))]
    if one_line:
        validators.append(single_line)
        return StringField(label, filters=[_strip], validators=validators)
    return TextAreaField(label, filters=[_strip], validators=validators)


class ProgrammeRowForm(RowForm):
    """An item of the day's programme."""

    starts = TimeField(_l("Time"), format=["%H:%M", "%H.%M"], invalid_value_message=TIME_MESSAGE,
                       validators=[Optional()])
    title = _text(_l("Title in Swedish"), 200)
    title_en = _text(_l("Title in English (optional)"), 200)
    speakers = _text(_l("Speakers (optional)"), 500)


class MeetingRowForm(RowForm):
    """One of a course's separate meetings."""

    day = DateField(_l("Date"), invalid_value_message=DATE_MESSAGE, validators=[Optional()])
    starts = TimeField(_l("From"), format=["%H:%M", "%H.%M"], invalid_value_message=TIME_MESSAGE,
                       validators=[Optional()])
    ends = TimeField(_l("To"), format=["%H:%M", "%H.%M"], invalid_value_message=TIME_MESSAGE,
                     validators=[Optional()])
    title = _text(_l("Title in Swedish"), 200)
    title_en = _text(_l("Title in English (optional)"), 200)
    venue = _text(_l("Room or venue (optional)"), 200)
    id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,12}$")])
    choosable = BooleanField(_l("Attendees choose it on the form (a workshop)"))
    capacity = IntegerField(_l("Places of the session (empty: no limit)"),
                            invalid_value_message=_l("Enter a whole number."),
                            validators=[Optional(), NumberRange(
                                min=1, max=100000, message=_l("Enter a number from %(min)s to %(max)s."))])


def _question_kinds():
    return [SelectChoice(kind.value, kind.label) for kind in QuestionKind]


class QuestionRowForm(RowForm):
    """A question of the registration form."""

    id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,12}$")])
    kind = SelectField(_l("Type of answer"), choices=_question_kinds, default=QuestionKind.TEXT.value)
    text = _text(_l("Question in Swedish"), 200)
    text_en = _text(_l("Question in English (optional)"), 200)
    help_text = _text(_l("Help text in Swedish (optional)"), 500, one_line=False)
    help_text_en = _text(_l("Help text in English (optional)"), 500, one_line=False)
    choices = _text(_l("Choices in Swedish, one per line"), 3000, one_line=False)
    choices_en = _text(_l("Choices in English, one per line in the same order (optional)"), 3000, one_line=False)
    required = BooleanField(_l("An answer is required"))


class EventForm(Form):
    """An event as the organiser edits it. Dates are local (Stockholm) wall-clock time."""

    title = StringField(_l("Title in Swedish"), filters=[_strip], validators=[
        _required(_l("Enter a title.")), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    title_en = StringField(_l("Title in English (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    kind = SelectField(_l("Kind of event"), choices=_kinds, validators=[_required(_l("Choose a kind of event."))])
    series = StringField(_l("Series (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    theme = StringField(_l("Theme (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    description = TextAreaField(_l("Description in Swedish"), filters=[_strip], validators=[
        Optional(), Length(max=10000, message=_l("At most %(max)d characters."))])
    description_en = TextAreaField(_l("Description in English (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=10000, message=_l("At most %(max)d characters."))])
    organiser_name = StringField(_l("Organised by"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    organiser_email = EmailField(_l("Organiser's e-mail"), filters=[_strip], validators=[
        Optional(), Length(max=254, message=_l("At most %(max)d characters.")),
        mailbox])
    venue = StringField(_l("Venue"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    address = StringField(_l("Address"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])
    city = StringField(_l("City"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), single_line])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                   invalid_value_message=DATETIME_MESSAGE, validators=[_required(DATETIME_MESSAGE)])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                   invalid_value_message=DATETIME_MESSAGE, validators=[_required(DATETIME_MESSAGE)])
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (empty: now)"), format="%Y-%m-%dT%H:%M",
        invalid_value_message=DATETIME_MESSAGE, validators=[Optional()])
    last_registration_day = DateField(_l("Last day to register"), invalid_value_message=DATE_MESSAGE,
                                      validators=[_required(DATE_MESSAGE)])
    last_cancellation_day = DateField(
        _l("Last day to cancel free of charge (empty: the last day to register)"),
        invalid_value_message=DATE_MESSAGE, validators=[Optional()])
    capacity = IntegerField(_l("Places (empty: no limit)"), invalid_value_message=_l("Enter a whole number."),
                            validators=[Optional(), NumberRange(
                                min=1, max=100000, message=_l("Enter a number from %(min)s to %(max)s."))])
    waitlist_enabled = BooleanField(_l("Waiting list when fully booked"))
    price = KronorField(_l("Price in kronor"), default=0, validators=[
        Optional(), _not_negative, NumberRange(max=100_000_000, message=_l("At most 1 000 000 kr."))])
    no_show_fee = KronorField(_l("No-show fee in kronor"), default=0, validators=[
        Optional(), _not_negative, NumberRange(max=100_000_000, message=_l("At most 1 000 000 kr."))])
    charge_late_cancellation = BooleanField(_l("Charge a late cancellation like a no-show"))
    vat_treatment = SelectField(_l("VAT on the price and fees"), choices=_vat_treatments, default="standard")
    vat_exemption_reason = StringField(_l("Why outside the scope of VAT (printed on invoices)"), filters=[_strip],
                                       validators=[Optional(), single_line,
                                                   Length(max=200, message=_l("At most %(max)d characters."))])
    invoice_timing = SelectField(_l("Invoice the price"), choices=_invoice_timings, default="on_registration")
    early_bird_price = KronorField(_l("Early-bird price in kronor (optional)"), validators=[
        Optional(), _not_negative, NumberRange(max=100_000_000, message=_l("At most 1 000 000 kr."))])
    last_early_bird_day = DateField(_l("Last day of the early-bird price"), invalid_value_message=DATE_MESSAGE,
                                    validators=[Optional()])
    discount_codes = TextAreaField(_l("Discount codes, one per line (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=5000, message=_l("At most %(max)d characters."))])
    fee_notice = TextAreaField(_l("Fee notice shown on the event page (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=1000, message=_l("At most %(max)d characters."))])
    send_certificates = BooleanField(_l("E-mail a certificate of attendance to those who came, after the event"))
    reminder_days = IntegerField(_l("Reminder, days before the start (0: none)"), default=2,
                                 invalid_value_message=_l("Enter a whole number."),
                                 validators=[Optional(),
                                             NumberRange(min=0, max=30, message=_l("Between 0 and %(max)d days."))])
    feedback_questions = TextAreaField(_l("Your own feedback questions, one per line (optional)"), filters=[_strip],
                                       validators=[Optional(), Length(max=1100, message=_l(
                                           "At most %(max)d characters."))])
    feedback_named = BooleanField(_l("Show me who gave which feedback (attendees are told)"))
    agenda = RowList(FormField(ProgrammeRowForm))
    sessions = RowList(FormField(MeetingRowForm))
    questions = RowList(FormField(QuestionRowForm))

    #: The lists of rows, and the part of a row a new one starts with.
    ROW_LISTS = {"agenda": "starts", "sessions": "day", "questions": "kind"}
    ROW_ACTION = re.compile(r"^(agenda|sessions|questions)-(?:add|([0-9]{1,4})-(up|down|remove))$")

    @classmethod
    def with_row_action(cls, formdata: MultiDict, action: str) -> tuple[MultiDict, str | None] | None:
        """The form's values with a row added, moved or removed as ``action`` says
        (``agenda-add``, ``questions-2-up``, ``sessions-0-remove``), and the id of the field to
        focus on the page shown with them; None for an action that is not one of these."""
        match = cls.ROW_ACTION.fullmatch(action or "")
        if match is None:
            return None
        name, index, move = match.group(1), match.group(2), match.group(3)
        rows, others = _rows(formdata, name)
        first = cls.ROW_LISTS[name]
        focus = None
        if index is None:
            if len(rows) < MAX_ROWS:
                rows.append([(f"{first}", QuestionKind.TEXT.value if name == "questions" else "")])
            focus = f"{name}-{len(rows) - 1}-{first}"
        else:
            index = int(index)
            if index < len(rows):
                target = {"up": index - 1, "down": index + 1}.get(move)
                if move == "remove":
                    rows.pop(index)
                    focus = f"{name}-add"
                elif 0 <= target < len(rows):
                    rows[index], rows[target] = rows[target], rows[index]
                    focus = f"{name}-{target}-{move}"
                else:
                    focus = f"{name}-{index}-{move}"
        values = MultiDict(others)
        for number, row in enumerate(rows):
            for part, value in row:
                values.add(f"{name}-{number}-{part}", value)
        return values, focus


def _rows(formdata: MultiDict, name: str) -> tuple[list[list[tuple[str, str]]], list[tuple[str, str]]]:
    """The rows of the list ``name`` as posted, in order, each its (part, value) pairs; and the
    form's other values."""
    pattern = re.compile(rf"^{name}-([0-9]+)-(\w+)$")
    rows: dict[int, list[tuple[str, str]]] = {}
    others = []
    for key, value in formdata.items(multi=True):
        match = pattern.fullmatch(key)
        if match is None:
            others.append((key, value))
        else:
            rows.setdefault(int(match.group(1)), []).append((match.group(2), value))
    return [rows[index] for index in sorted(rows)][:MAX_ROWS], others


class CopyEventForm(Form):
    starts_at = DateTimeLocalField(_l("The copy starts"), format="%Y-%m-%dT%H:%M",
                                   invalid_value_message=DATETIME_MESSAGE, validators=[_required(DATETIME_MESSAGE)])


class CancelEventForm(Form):
    reason = TextAreaField(_l("Reason (told to the attendees)"), filters=[_strip], validators=[
        Optional(), Length(max=1000, message=_l("At most %(max)d characters."))])
    confirm = BooleanField(_l("Yes, cancel the event"),
                           validators=[InputRequired(message=_l("Confirm that the event is cancelled."))])


class AttendeeForm(PersonFields):
    """A registration as the organiser adds or corrects it; the person's own consent is not asked."""

    organisation = StringField(_l("Organisation"), filters=[_strip], validators=[
        _required(_l("Enter the organisation, e.g. Nacka kommun.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters.")), single_line])
    organisation_kind = RegistrationForm.organisation_kind
    org_number = StringField(_l("Organisation number (optional)"), filters=[_strip],
                             validators=[Optional(), Length(max=20), org_number])
    invoice_reference = StringField(_l("Invoice reference (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), single_line])
    organiser_note = TextAreaField(_l("Note (only organisers see it)"), filters=[_strip], validators=[
        Optional(), Length(max=2000, message=_l("At most %(max)d characters."))])


class BulkActionForm(Form):
    """An action on the chosen attendees, or on every one the list's filter finds."""

    scope = RadioField(_l("Which attendees"), default="selected", choices=[
        SelectChoice("selected", _l("Those I have ticked")),
        SelectChoice("filtered", _l("Everyone the search and filters find")),
    ], validators=[_required(_l("Choose which attendees."))])
    action = SelectField(_l("Action"), choices=[
        SelectChoice("", _l("Choose…")),
        SelectChoice("badges", _l("Print badges")),
        SelectChoice("promote", _l("Give a place from the waiting list")),
        SelectChoice("cancel", _l("Cancel the registrations")),
        SelectChoice("message", _l("Write to them")),
    ], validators=[_required(_l("Choose what to do."))])
    selected = SelectMultipleField(_l("Attendees"), coerce=row_id, choices=[], validate_choice=False)
    confirmed = HiddenField()


class BadgeForm(Form):
    """Which badges to print, and how."""

    layout = SelectField(_l("Layout"), default="a6")
    selection = SelectField(_l("Attendees"), default="all", choices=[
        SelectChoice("all", _l("All confirmed attendees")),
        SelectChoice("new", _l("Only those whose badge has not been printed")),
    ])
    sort = SelectField(_l("Order"), default="last_name")
    back_text = TextAreaField(_l("Text on the back (optional), e.g. Wi-Fi"), filters=[_strip], validators=[
        Optional(), Length(max=600, message=_l("At most %(max)d characters."))])
    agenda = BooleanField(_l("Print the agenda on the back"))
    sessions = BooleanField(_l("Print the sessions each person picked"))

    def __init__(self, *args, layouts: dict, sorts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = [SelectChoice(key, layout.label) for key, layout in layouts.items()]
        self.sort.choices = [SelectChoice(key, label) for key, label in sorts.items()]


class WalkInBadgeForm(Form):
    """One badge at the door."""

    layout = SelectField(_l("Layout"), default="single")

    def __init__(self, *args, layouts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = [SelectChoice(key, layout.label) for key, layout in layouts.items()]


class BadgeLogoForm(Form):
    """The logo on an event's badges; whether it is an image is for the service to say."""

    logo = FileField(_l("Logo on the badges (PNG or JPEG)"),
                     validators=[FileRequired(message=_l("Choose an image file."))])


class GroupProposalForm(Form):
    group_size = IntegerField(_l("People per group or table"), default=8,
                              invalid_value_message=_l("Enter a whole number."),
                              validators=[_required(_l("Enter a whole number.")), NumberRange(
                                  min=2, max=100, message=_l("Enter a number from %(min)s to %(max)s."))])
    #: The question whose answer is the table or group a person asked for; choices set by the view.
    wish_question = SelectField(_l("Seat people at the table they asked for in their answer to"),
                                choices=[], validate_choice=False)
    replace_edited = BooleanField(_l("Replace the groups that were changed by hand"))


class GroupNameForm(Form):
    name = StringField(_l("Name or theme"), filters=[_strip], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), single_line])
    leader = StringField(_l("Conversation leader"), filters=[_strip], validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.")), single_line])


class FeedbackForm(Form):
    """The short form after an event; the event's own rating questions are added by ``feedback_form_for``."""

    rating = RadioField(_l("Overall, how was the event?"), validate_choice=False, choices=[])
    good = TextAreaField(_l("What was good? (optional)"), filters=[_strip])
    better = TextAreaField(_l("What could be better? (optional)"), filters=[_strip])


def _rating_choices() -> list[SelectChoice]:
    from .services.feedback import rating_labels

    return [SelectChoice(str(value), label) for value, label in rating_labels().items()]


def feedback_form_for(questions: list[str], **kwargs) -> FeedbackForm:
    """The feedback form with a 1-5 rating per question of the event (``question_0``, ``question_1``, …)."""

    class EventFeedbackForm(FeedbackForm):
        pass

    for number, question in enumerate(questions):
        label = gettext("%(question)s (optional)", question=question)
        setattr(EventFeedbackForm, f"question_{number}", RadioField(label, validate_choice=False, choices=[]))
    form = EventFeedbackForm(**kwargs)
    form.rating.choices = _rating_choices()
    form.questions = [form[f"question_{number}"] for number in range(len(questions))]
    for field in form.questions:
        field.choices = _rating_choices()
    return form


class PrivacyRequestForm(Form):
    """An organiser answering a person's request about their personal data."""

    email = EmailField(_l("The person's e-mail address"), filters=[_strip], validators=[
        _required(_l("Enter your e-mail address.")), Length(max=254, message=_l("At most %(max)d characters."))])
    confirm = BooleanField(_l("I have checked that the request comes from this person."))


class MessageForm(Form):
    """An organiser's message to attendees: to whom, what, and when. The texts and the time are
    checked by the messages service (merge fields, a time that has passed)."""

    to = SelectField(_l("To"), default="confirmed", validators=[_required(_l("Choose whom the message goes to."))])
    selected = SelectMultipleField(_l("Attendees"), coerce=row_id, choices=[], validate_choice=False)
    subject = StringField(_l("Subject"), validators=[Length(max=400, message=_l("At most %(max)d characters."))])
    body = TextAreaField(_l("Text"), render_kw={"rows": 12},
                         validators=[Length(max=40_000, message=_l("At most %(max)d characters."))])
    when = RadioField(_l("When"), default="now", choices=[
        SelectChoice("now", _l("Send now")), SelectChoice("later", _l("Send at a set time"))],
        validators=[_required(_l("Choose when."))])
    send_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                 invalid_value_message=DATETIME_MESSAGE, validators=[Optional()])
    preview_as = SelectField(_l("Preview as"), coerce=str, choices=[], validate_choice=False)

    def __init__(self, *args, audiences, **kwargs):
        super().__init__(*args, **kwargs)
        self.to.choices = [SelectChoice(audience.value, audience.label) for audience in audiences]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.when.data == "later" and self.send_at.data is None and not self.send_at.errors:
            self.send_at.errors = list(self.send_at.errors) + [_l("Choose the date and time to send it.")]
            return False
        if self.send_at.data is not None and not 2000 <= self.send_at.data.year <= 2100:
            self.send_at.errors = list(self.send_at.errors) + [DATETIME_MESSAGE]
            return False
        return valid


class OwnDetailsForm(Form):
    """What an attendee may change of their own registration (``/r/<token>/edit``)."""

    job_title = PersonFields.job_title
    phone = PersonFields.phone
    dietary = PersonFields.dietary
    invoice_reference = RegistrationForm.invoice_reference


def own_details_form_for(questions, registration=None) -> OwnDetailsForm:
    """The attendee's form with a field per question of the event, filled from ``registration`` when
    it is shown (not when it is sent)."""
    class EventOwnDetailsForm(OwnDetailsForm):
        pass

    for question in questions:
        setattr(EventOwnDetailsForm, question.field_name, _question_field(question))
    form = EventOwnDetailsForm(obj=registration)
    form.questions = [form[question.field_name] for question in questions]
    if registration is not None and not form.is_submitted():
        given = {answer.question_id: answer.value for answer in registration.answers}
        for question, field in zip(questions, form.questions, strict=True):
            value = given.get(question.id, "")
            field.data = value.split(CHOICES_SEPARATOR) if question.question_kind == QuestionKind.CHOICES else value
    return form


class ResendForm(Form):
    """"Lost your confirmation?": the address the link goes to, if it is registered."""

    email = EmailField(_l("Your e-mail address"), filters=[_strip], validators=[
        _required(_l("Enter your e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")), mailbox])


class EmailTextForm(Form):
    """An event's own text of an automatic e-mail; merge fields are checked by the service."""

    subject = StringField(_l("Subject"), validators=[Length(max=400, message=_l("At most %(max)d characters."))])
    body = TextAreaField(_l("Opening text"), render_kw={"rows": 8}, validators=[
        Length(max=40_000, message=_l("At most %(max)d characters."))])


class ThankYouForm(Form):
    """When the thank-you after the event goes out, and the link to the material it gives."""

    thank_you_hours = IntegerField(_l("Send the thank-you this many hours after the end (empty: none)"),
                                   invalid_value_message=_l("Enter a whole number."), validators=[Optional()])
    material_url = StringField(_l("Link to the material (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters.")), single_line])
