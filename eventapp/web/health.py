"""GET /healthz for load balancers: 200 while this app server can reach its database, else 503."""
from flask import Blueprint, jsonify

from ..extensions import limiter
from ..services.health import database_reachable

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    check = database_reachable()
    body = {"status": "ok" if check.ok else "unavailable", "database": "ok" if check.ok else "unreachable"}
    return jsonify(body), (200 if check.ok else 503)
