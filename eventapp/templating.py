"""Jinja filters and globals: how dates, money and states are shown, in one place."""
from flask import Flask, request, url_for

from . import charts, formatting


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=formatting.format_date,
        time=formatting.format_time,
        datetime=formatting.format_datetime,
        period=formatting.format_period,
        deadline=formatting.format_deadline,
        money=formatting.format_money,
    )
    app.jinja_env.globals.update(language_url=language_url, chart_layout=charts.bar_chart)

    @app.context_processor
    def site():
        from . import current_language

        return {"organiser_name": app.config["ORGANISER_NAME"], "lang": current_language()}


def language_url(language: str) -> str:
    """The current page in another language."""
    args = request.args.to_dict()
    args["lang"] = language
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("public.index", lang=language)
