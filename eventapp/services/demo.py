"""The demo: the reference scenarios as events in the coming months, with fictional attendees; a
paid course day whose bookings were invoiced when they were made; and one breakfast seminar of the
series that took place a few weeks ago, its no-show list approved so that finance can issue, e-mail
and follow up the invoices at once."""
import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..localtime import at, end_of_day, local_date
from ..models import AgendaItem, DiscountCode, Event, EventSession, Question, QuestionKind, Registration, Series, User
from .accounts import create_demo_user
from .cancellation import cancel_registration
from .checkin import check_in
from .feedback import FeedbackAnswer, give_feedback
from .group_booking import BookingRequest, Colleague, book
from .noshow import approve_no_shows
from .registration import Attendee, register_attendee

DEMO_ORGANISER = ("organisator@example.org", "demo-organisator")
DEMO_FINANCE = ("ekonomi@example.org", "demo-ekonomi")

_FIRST = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Per", "Eva", "Ahmed", "Fatima",
          "Åsa", "Örjan", "Linnéa", "Mahmoud", "Zahra", "Nils", "Ingrid", "Olof", "Leyla", "Hamid", "Elin"]
_LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
         "Svensson", "Gustafsson", "Öberg", "Ärlig", "Hosseini", "Lindqvist", "Åkesson", "Rahimi", "Berg"]
_MUNICIPALITIES = ["Älvsbyn", "Svedala", "Nacka kommun", "Varberg", "Falköpings kommun", "Båstad",
                   "Vallentuna", "Södertälje kommun", "Upplands-Bro", "Täby", "Göteborgs Stad", "Malmö stad",
                   "Umeå kommun", "Luleå", "Kiruna", "Växjö kommun", "Avesta", "Landskrona", "Eslöv",
                   "Simrishamn", "Örebro kommun", "Gävle", "Uppsala kommun", "Linköping", "Jönköping",
                   "Kalmar", "Karlstad", "Sundsvall", "Östersund", "Borås Stad", "Helsingborgs stad", "Lund"]
_OTHERS = [("Migrationsverket", None), ("Tillväxtverket", None), ("Arbetsmiljöverket", None),
           ("Svenska kyrkan", "nonprofit"), ("Scouterna", "nonprofit"), ("Synskadades Riksförbund", "nonprofit"),
           ("Svenska med baby", "nonprofit"), ("Region Skåne", None), ("Al-Kompis", "company")]
_TITLES = ["Kommunikatör", "Integrationssamordnare", "Kommunikationschef", "Integrationsstrateg",
           "Bostadssamordnare", "Socialsekreterare", "Kultursekreterare", "Handläggare"]


def _next_weekday(start: date, weekday: int, weeks_ahead: int) -> date:
    day = start + timedelta(weeks=weeks_ahead)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _series(slug: str, name: str, description: str) -> Series:
    return Series(slug=slug, name=name, description=description)


def demo_events(now: datetime) -> list[Event]:
    """The seeds' four events, dated from ``now`` so that registration is open."""
    today = local_date(now)
    opens = now - timedelta(days=14)

    conference_day = _next_weekday(today, 2, 10)  # a Wednesday ten weeks ahead
    conference = Event(
        slug="kommunikation-och-integration", kind="conference",
        title="Kommunikation och integration – lär av varandra",
        description=(
            "En dag full av inspiration, praktiska exempel och erfarenhetsutbyte för kommunikatörer, "
            "integrationssamordnare och andra som arbetar med mottagandet av nyanlända. Kommuner delar med "
            "sig av hur de arbetar med sociala medier, informationsmöten, webben och kampanjer."
        ),
        organiser_name="Nowa Kommunikation i samarbete med K6 Konsulter",
        organiser_email="konferens@example.org",
        venue="Citykonferensen", address="Malmskillnadsgatan 46", city="Stockholm",
        starts_at=at(conference_day, "09:00"), ends_at=at(conference_day, "16:30"),
        capacity=120, waitlist_enabled=True,
        registration_opens_at=opens, registration_deadline=end_of_day(conference_day - timedelta(days=7)),
        price=0, no_show_fee=50000, charge_late_cancellation=True,
        fee_notice="Konferensen är kostnadsfri. Vid utebliven avbokning debiterar vi en no show-avgift på 500 kronor.",
        published=True,
    )
    conference.agenda = [
        AgendaItem(starts_at=at(conference_day, "09:00"), title="Registrering och kaffe"),
        AgendaItem(starts_at=at(conference_day, "09:30"), title="Scensamtal: kommunikation ur en nyanländs perspektiv",
                   speakers="Samtalsledare från Nowa Kommunikation"),
        AgendaItem(starts_at=at(conference_day, "10:30"),
                   title="Kommunerna berättar: sociala medier och informationsmöten",
                   speakers="Representanter från Nacka, Varberg och Falköping"),
        AgendaItem(starts_at=at(conference_day, "12:00"), title="Lunch"),
        AgendaItem(starts_at=at(conference_day, "13:00"), title="Att nå arabiskspråkiga invånare",
                   speakers="Al-Kompis"),
        AgendaItem(starts_at=at(conference_day, "14:30"), title="Kampanjer för att hitta bostäder",
                   speakers="Representanter från Båstad, Vallentuna och Södertälje"),
        AgendaItem(starts_at=at(conference_day, "16:00"), title="Sammanfattning: Glo och sno!"),
    ]

    conference.sessions = [  # parallel afternoon workshops with places of their own (rule 10)
        EventSession(title="Workshop: Klarspråk i kommunens kanaler", starts_at=at(conference_day, "13:00"),
                     ends_at=at(conference_day, "14:15"), venue="Sal A", choosable=True, capacity=30),
        EventSession(title="Workshop: Sociala medier på flera språk", starts_at=at(conference_day, "13:00"),
                     ends_at=at(conference_day, "14:15"), venue="Sal B", choosable=True, capacity=60),
    ]

    breakfast_day = _next_weekday(today, 4, 6)  # a Friday six weeks ahead
    breakfast = Event(
        slug="nowa-nyfiken-pa-almedalen", kind="seminar", title="Nowa Nyfiken på Almedalen",
        series=_series("nowa-nyfiken-pa", "Nowa Nyfiken på", "Frukostseminarier om aktuella kommunikationsfrågor."),
        description=(
            "Årets första Nowa Nyfiken på fokuserar på Almedalsveckan. Seniorkonsulten Rune berättar om "
            "sina erfarenheter och hur du kan lyckas i Almedalen: Varför ska du vara där? Hur lyckas du med "
            "din närvaro? Vilka är de vanligaste misstagen? Vad händer med Almedalsveckan i framtiden?"
        ),
        organiser_name="Nowa Kommunikation och Sveriges Kommunikatörer",
        organiser_email="nyfiken@example.org",
        venue="Nowa Kommunikation", address="Kungsgatan 12", city="Göteborg",
        starts_at=at(breakfast_day, "08:00"), ends_at=at(breakfast_day, "10:00"),
        capacity=40, waitlist_enabled=True,
        registration_opens_at=opens, registration_deadline=end_of_day(breakfast_day - timedelta(days=2)),
        price=0, no_show_fee=25000, charge_late_cancellation=True,
        fee_notice=("Eventet är kostnadsfritt, men vi debiterar en no show-avgift på 250 kronor "
                    "vid utebliven avbokning."),
        published=True,
    )
    breakfast.agenda = [
        AgendaItem(starts_at=at(breakfast_day, "08:00"), title="Frukost"),
        AgendaItem(starts_at=at(breakfast_day, "08:30"), title="Föreläsning: Så lyckas du i Almedalen",
                   speakers="Rune, seniorkonsult och vice vd, Nowa Kommunikation"),
    ]

    forum_day = _next_weekday(today, 3, 8)  # a Thursday eight weeks ahead
    forum = Event(
        slug="strategiskt-forum-langsiktig-strategi", kind="forum",
        title="Strategiskt forum för nyanländas etablering och integration",
        title_en="Strategic forum on the establishment and integration of newcomers",
        theme="Långsiktig strategi och organisation",
        series=_series("strategiskt-forum", "Strategiskt forum",
                       "En mötesplats för Skånes kommuner om nyanländas etablering och integration."),
        description=(
            "Målgrupp är kommunala chefer och strateger inom uppdrag som berörs av ett ökat antal nyanlända. "
            "Dagen varvar presentationer med samtal och avslutas med ett World café: Innovativ integration."
        ),
        description_en=(
            "For managers and strategists in municipalities whose work is touched by a growing number of "
            "newcomers. The day mixes talks with conversation and ends with a World café: Innovative integration."
        ),
        organiser_name="Kommunförbundet Skåne och Region Skåne",
        organiser_email="forum@example.org",
        venue="Kommunförbundet Skåne", address="Gasverksgatan 3A", city="Lund",
        starts_at=at(forum_day, "09:30"), ends_at=at(forum_day, "15:30"),
        capacity=60, waitlist_enabled=True,
        registration_opens_at=opens, registration_deadline=end_of_day(forum_day - timedelta(days=10)),
        price=0, no_show_fee=0, charge_late_cancellation=False, published=True,
    )
    forum.agenda = [
        AgendaItem(starts_at=at(forum_day, "09:30"), title="Strategi som plan, position och process",
                   title_en="Strategy as plan, position and process"),
        AgendaItem(starts_at=at(forum_day, "11:00"), title="Ekonomisk styrning och samordning i praktiken",
                   title_en="Financial management and coordination in practice"),
        AgendaItem(starts_at=at(forum_day, "13:30"), title="World café: Innovativ integration",
                   title_en="World café: Innovative integration"),
    ]
    forum.all_questions = [
        Question(position=0, kind=QuestionKind.CHOICE, text="Vilken målgrupp tillhör du?",
                 text_en="Which target group do you belong to?", required=True,
                 choices=["Chef", "Strateg eller utvecklare", "Handläggare eller samordnare", "Förtroendevald"],
                 choices_en=["Manager", "Strategist or developer", "Officer or coordinator", "Elected representative"]),
        Question(position=1, kind=QuestionKind.CHOICES, text="Vilka World café-bord vill du sitta vid?",
                 text_en="Which World café tables would you like to join?",
                 help_text="Välj gärna flera; vi fördelar borden så att alla får minst ett av sina val.",
                 help_text_en="Choose several if you like; we seat everyone at one of their choices at least.",
                 choices=["Bostad", "Arbete och försörjning", "Skola och utbildning", "Hälsa"],
                 choices_en=["Housing", "Work and income", "School and education", "Health"]),
        Question(position=2, kind=QuestionKind.YES_NO, text="Vill du äta lunch?", text_en="Would you like lunch?"),
        Question(position=3, kind=QuestionKind.LONG_TEXT, text="Vad vill du ta med dig från dagen?",
                 text_en="What would you like to take home from the day?"),
    ]

    first_meeting = _next_weekday(today, 1, 9)  # Tuesdays from nine weeks ahead
    meetings = [first_meeting + timedelta(weeks=n) for n in range(5)]
    themes = ["Vad har hänt i Avesta?", "Olikheter och gemenskap", "Identitet och tillhörighet",
              "Arbetsplatsen som mötesplats", "Hur går vi vidare?"]
    course = Event(
        slug="vilka-ar-vi", kind="course", title="Vilka är vi?",
        description=(
            "Fem reflektionsträffar om en timme i grupper om 8–10 kollegor, ledda av utbildade samtalsledare. "
            "Varje träff har ett tema; gruppen ser korta filmer och samtalar om olikheter, gemenskap och inkludering."
        ),
        organiser_name="Avesta kommun", organiser_email="vilkaarvi@example.org",
        venue="Kommunhuset", address="Tingsgatan 1", city="Avesta",
        starts_at=at(meetings[0], "13:00"), ends_at=at(meetings[-1], "14:00"),
        capacity=30, waitlist_enabled=False,
        registration_opens_at=opens, registration_deadline=end_of_day(meetings[0] - timedelta(days=7)),
        published=True,
    )
    course.sessions = [
        EventSession(title=f"Träff {n}: {theme}", starts_at=at(day, "13:00"), ends_at=at(day, "14:00"),
                     venue="Kommunhuset, sal Dalälven")
        for n, (day, theme) in enumerate(zip(meetings, themes, strict=True), start=1)
    ]
    return [conference, breakfast, forum, course]


def _demo_attendees(count: int, seed: int) -> list[Attendee]:
    rng = random.Random(seed)
    organisations = [(name, None) for name in _MUNICIPALITIES] + _OTHERS
    attendees = []
    for n in range(count):
        organisation, kind = organisations[n % len(organisations)]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        attendees.append(Attendee(
            first_name=first, last_name=last, email=f"deltagare{seed}-{n}@example.org",
            organisation=organisation, organisation_kind=kind, job_title=rng.choice(_TITLES),
        ))
    return attendees


def _series_in_database(event: Event) -> None:
    """Attach the event to its series, the stored one when it exists (several events share one)."""
    series = event.series
    event.series = None
    db.session.add(event)
    if series is not None:
        event.series = db.session.scalar(select(Series).where(Series.slug == series.slug)) or series


def past_seminar(now: datetime) -> Event:
    """An earlier "Nowa Nyfiken på" breakfast, on a Friday three to four weeks before ``now``."""
    day = _next_weekday(local_date(now), 4, -4)
    event = Event(
        slug="nowa-nyfiken-pa-klarsprak", kind="seminar", title="Nowa Nyfiken på klarspråk",
        series=_series("nowa-nyfiken-pa", "Nowa Nyfiken på", "Frukostseminarier om aktuella kommunikationsfrågor."),
        description=("Hur skriver en myndighet så att nyanlända förstår? Språkkonsulten Karin visar exempel från "
                     "kommuner som skrivit om sina brev och sin webb på klarspråk."),
        organiser_name="Nowa Kommunikation och Sveriges Kommunikatörer", organiser_email="nyfiken@example.org",
        venue="Nowa Kommunikation", address="Kungsgatan 12", city="Göteborg",
        starts_at=at(day, "08:00"), ends_at=at(day, "10:00"), capacity=40, waitlist_enabled=True,
        registration_opens_at=at(day - timedelta(weeks=5), "09:00"),
        registration_deadline=end_of_day(day - timedelta(days=2)),
        price=0, no_show_fee=25000, charge_late_cancellation=True,
        fee_notice=("Eventet är kostnadsfritt, men vi debiterar en no show-avgift på 250 kronor "
                    "vid utebliven avbokning."),
        published=True, feedback_questions=["Hur var föreläsningen?", "Hur var frukosten?"],
    )
    event.agenda = [
        AgendaItem(starts_at=at(day, "08:00"), title="Frukost"),
        AgendaItem(starts_at=at(day, "08:30"), title="Föreläsning: Klarspråk som når fram",
                   speakers="Karin, språkkonsult, Nowa Kommunikation"),
    ]
    return event


_NACKA = dict(organisation="Nacka kommun", org_number="212000-0142", invoice_reference="KOM-4711 Kommunikationsenheten",
              invoice_street="Box 4711", invoice_postcode="131 81", invoice_city="Nacka")
#: Who came to the past seminar: (first name, last name, organisation details, what happened).
_PAST_ATTENDEES = [
    ("Åsa", "Lindqvist", dict(organisation="Göteborgs Stad"), "came"),
    ("Ahmed", "Rahimi", dict(organisation="Göteborgs Stad"), "came"),
    ("Ingrid", "Öberg", dict(organisation="Mölndals stad"), "came"),
    ("Per", "Svensson", dict(organisation="Migrationsverket"), "came"),
    ("Leyla", "Hosseini", dict(organisation="Tillväxtverket"), "came"),
    ("Nils", "Berg", dict(organisation="Partille kommun"), "came"),
    ("Elin", "Åkesson", dict(organisation="Scouterna", organisation_kind="nonprofit"), "came"),
    ("Olof", "Karlsson", dict(organisation="Göteborgs Stad"), "cancelled in time"),
    ("Hamid", "Nilsson", dict(organisation="Al-Kompis", organisation_kind="company", org_number="556677-8899",
                              invoice_reference="Hamid Nilsson", invoice_street="Storgatan 1",
                              invoice_postcode="411 38", invoice_city="Göteborg"), "cancelled late"),
    ("Karin", "Eriksson", _NACKA, "did not come"),
    ("Lars", "Johansson", _NACKA, "did not come"),
    ("Fatima", "Larsson", dict(organisation="Svenska med baby", organisation_kind="nonprofit",
                               org_number="802400-1235", invoice_reference="Styrelsen",
                               invoice_street="Box 4711", invoice_postcode="411 04", invoice_city="Göteborg",
                               invoice_address="ekonomi.svenskamedbaby@example.org"), "did not come"),
]


def seed_past_seminar(now: datetime, organiser: User) -> Event:
    """The past seminar with its registrations, cancellations and check-ins, approved by ``organiser``."""
    event = past_seminar(now)
    _series_in_database(event)
    db.session.commit()
    opened = event.registration_opens_at
    for n, (first, last, organisation, what) in enumerate(_PAST_ATTENDEES):
        attendee = Attendee(first_name=first, last_name=last, email=f"nyfiken-{n}@example.org",
                            job_title=_TITLES[n % len(_TITLES)], **organisation)
        registration = register_attendee(event.id, attendee, opened + timedelta(days=n, hours=n)).registration
        if what == "came":
            check_in(event.id, registration.id, actor=organiser, now=event.starts_at + timedelta(minutes=3 * n))
        elif what == "cancelled in time":
            cancel_registration(registration.id, event.effective_cancellation_deadline - timedelta(days=3))
        elif what == "cancelled late":
            cancel_registration(registration.id, event.starts_at - timedelta(hours=14))
    approve_no_shows(event.id, actor=organiser, now=event.ends_at + timedelta(hours=3))
    _give_feedback(event)
    return event


#: What five of the past seminar's attendees thought: (rating, good, could be better, the lecture, breakfast).
_FEEDBACK = [
    (5, "Konkreta exempel från kommunernas brev, före och efter.", "", 5, 4),
    (4, "Bra tempo och tid för frågor.", "Lite trångt vid frukosten.", 4, 3),
    (5, "", "Gärna en uppföljning om webbtexter.", 5, 4),
    (3, "Föreläsaren.", "Jag hade velat ha övningar att göra själv.", 3, None),
    (4, "Att träffa kollegor från andra myndigheter.", "", 4, 5),
]


def _give_feedback(event: Event) -> None:
    came = list(db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.checked_in_at.is_not(None)).order_by(Registration.id)))
    lecture, breakfast = event.feedback_questions
    for registration_id, (rating, good, better, on_lecture, on_breakfast) in zip(came, _FEEDBACK, strict=False):
        ratings = {lecture: on_lecture, breakfast: on_breakfast}
        give_feedback(registration_id, FeedbackAnswer(rating, good, better, ratings),
                      now=event.ends_at + timedelta(hours=2))


def paid_course(now: datetime) -> Event:
    """A paid course day six weeks ahead: 2 900 kr a person excluding VAT, 2 400 kr for bookings made
    in the coming two weeks, and a code for members; each booking is invoiced when it is made."""
    day = _next_weekday(local_date(now), 1, 6)  # a Tuesday six weeks ahead
    event = Event(
        slug="klarsprak-i-praktiken", kind="course", title="Klarspråk i praktiken – skrivdag för kommunikatörer",
        description=("En skrivdag med övningar: deltagarna tar med en egen text (ett brev, en webbsida, ett "
                     "beslut) och skriver om den under dagen tillsammans med en språkkonsult."),
        organiser_name="Nowa Kommunikation", organiser_email="utbildning@example.org",
        venue="Citykonferensen", address="Malmskillnadsgatan 46", city="Stockholm",
        starts_at=at(day, "09:00"), ends_at=at(day, "16:00"), capacity=24, waitlist_enabled=True,
        registration_opens_at=now - timedelta(days=7), registration_deadline=end_of_day(day - timedelta(days=7)),
        price=290000, early_bird_price=240000, early_bird_until=end_of_day(local_date(now) + timedelta(days=14)),
        charge_late_cancellation=True,
        fee_notice=("Avgiften är 2 900 kronor exklusive moms per deltagare, med lunch och fika. Bokningen "
                    "faktureras när den görs; avbokning senast en vecka före kursdagen krediteras."),
        published=True,
    )
    event.agenda = [
        AgendaItem(starts_at=at(day, "09:00"), title="Vad gör en text lätt att läsa?"),
        AgendaItem(starts_at=at(day, "10:30"), title="Övning: din egen text, stycke för stycke"),
        AgendaItem(starts_at=at(day, "12:00"), title="Lunch"),
        AgendaItem(starts_at=at(day, "13:00"), title="Övning: rubriker, listor och tilltal"),
        AgendaItem(starts_at=at(day, "15:00"), title="Före och efter: deltagarnas texter"),
    ]
    return event


#: The course day's bookings: the booker (their organisation and buyer details) and their colleagues.
_BOOKINGS = [
    (("Karin", "Eriksson", _NACKA), [("Lars", "Johansson"), ("Linnéa", "Gustafsson")], ""),
    (("Zahra", "Hosseini", dict(organisation="Region Skåne", org_number="232100-0255",
                                invoice_reference="Regionkansliet 1234", invoice_street="Box 1",
                                invoice_postcode="291 21", invoice_city="Kristianstad",
                                invoice_address="fakturor.regionskane@example.org")), [("Olof", "Persson")], ""),
    (("Elin", "Åkesson", dict(organisation="Scouterna", organisation_kind="nonprofit", org_number="802005-6969",
                              invoice_reference="Elin Åkesson", invoice_street="Box 42034",
                              invoice_postcode="126 12", invoice_city="Stockholm")), [], "MEDLEM"),
]


def seed_paid_course(now: datetime) -> Event:
    """The paid course day with three bookings, invoiced as they were booked."""
    event = paid_course(now)
    db.session.add_all([event, DiscountCode(event=event, code="MEDLEM", percent=20, max_uses=10, uses=0)])
    db.session.commit()
    for n, ((first, last, buyer), colleagues, code) in enumerate(_BOOKINGS):
        booker = Attendee(first_name=first, last_name=last, email=f"kurs-{n}@example.org",
                          job_title=_TITLES[n], **buyer)
        team = [Colleague(c_first, c_last, f"kurs-{n}-{m}@example.org", job_title=_TITLES[n + m + 1])
                for m, (c_first, c_last) in enumerate(colleagues)]
        book(event.id, BookingRequest(booker, team, discount_code=code), now - timedelta(days=6 - n))
    return event


def _demo_user(login: tuple[str, str], role: str, name: str) -> User:
    email, password = login
    existing = db.session.scalar(select(User).where(User.email == email))
    return existing or create_demo_user(email, role, password, name=name)


def seed_demo(now: datetime) -> dict:
    """Create what the demo shows, once; running it again changes nothing."""
    created = []
    organiser = _demo_user(DEMO_ORGANISER, "organiser", "Demo Organisatör")
    _demo_user(DEMO_FINANCE, "finance", "Demo Ekonomi")
    existing = set(db.session.scalars(select(Event.slug)))
    for number, event in enumerate(demo_events(now)):
        if event.slug in existing:
            continue
        _series_in_database(event)
        db.session.commit()
        created.append(event.slug)
        attendees = {0: 96, 1: 23, 2: 31, 3: 12}[number]
        workshops = [session.id for session in event.choosable_sessions]
        for n, attendee in enumerate(_demo_attendees(attendees, seed=number)):
            answers = {q.id: value for i, q in enumerate(event.questions)
                       if (value := _demo_answer(q, n * 7 + i * 3 + n // 3))}
            picked = (workshops[n % len(workshops)],) if workshops and n % 3 else ()
            register_attendee(event.id, replace(attendee, answers=answers, sessions=picked), now)
    if paid_course(now).slug not in existing:
        created.append(seed_paid_course(now).slug)
    if past_seminar(now).slug not in existing:
        created.append(seed_past_seminar(now, organiser).slug)
    return {"created": created, "organiser": DEMO_ORGANISER, "finance": DEMO_FINANCE}


def _demo_answer(question: Question, pick: int) -> str:
    """An answer of the demo's attendee number ``pick`` to a question answered by picking."""
    choices = [value for value, _ in question.choice_labels()]
    if not choices:
        return ""
    return choices[pick % len(choices)]
