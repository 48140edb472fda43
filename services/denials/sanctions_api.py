"""The sanctions routes of the denials service: load the EU financial sanctions list, see the
versions loaded, screen names against it, and the hits found on general-licence realisations.

Routes only translate HTTP; the rules are in `domain.sanctions`, the reading of the file in
`domain.sanctions_list`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.denials import sanctions_queries
from services.denials.deps import RuntimeDep
from services.denials.handlers import sanctions
from services.denials.schemas import (
    RealisationHitPage,
    SanctionsListOut,
    SanctionsListPage,
    SanctionsMatches,
    SanctionsQuery,
)
from shared.auth import Principal, Role, require
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/sanctions", tags=["sanctions"])

LISTS_PATH = "/v1/sanctions/lists"
READ = (401, 403, 422, 503)

Loader = Annotated[Principal, Depends(require(Role.ADMIN))]
ListReader = Annotated[Principal, Depends(require(Role.ADMIN, Role.ASSESSOR, Role.MFA))]
Screener = Annotated[Principal, Depends(require(Role.ASSESSOR, Role.MFA, Role.PARTNER))]
DutchOfficial = Annotated[Principal, Depends(require(Role.ASSESSOR, Role.MFA))]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=500)]


@router.post("/lists", status_code=201, summary="Load a version of the EU sanctions list (admin)",
             response_model=SanctionsListOut, responses=problem_responses(*READ, 409, 413),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/xml": {"schema": {"type": "string", "format": "binary"}}}}})
async def load_list(request: Request, runtime: RuntimeDep, who: Loader,
                    response: Response) -> dict[str, Any]:
    """Load the EU consolidated list of persons, groups and entities subject to financial
    sanctions: the body is the FSF `xmlFullSanctionsList_1_1` export as published (XML, up to
    the route's own body limit, `LICENSING_DENIALS_SANCTIONS_LIST_MAX_BYTES`, 64 MiB by
    default; `licensing sanctions load FILE` posts it).

    Records `SanctionsListLoaded` (`list_version` = the file's `generationDate`, its sha256,
    how many entities and names) and makes it the list screened: entities absent from it are
    no longer hits. The same file again answers 200 with the version screened and records
    nothing; a file generated before the one screened is refused (409
    `sanctions-list-older`); a body that is not the export, or lists no entity, 422.
    """
    result = await sanctions.load_list(runtime, await request.body(), actor=who.as_actor())
    if not result.loaded:
        response.status_code = 200
    listed = await sanctions_queries.list_versions(runtime)
    return next(v for v in listed["items"] if v["sha256"] == result.version.sha256)


@router.get("/lists", summary="The versions of the sanctions list loaded",
            response_model=SanctionsListPage, responses=problem_responses(*READ))
async def lists(runtime: RuntimeDep, _who: ListReader) -> dict[str, Any]:
    """Every version loaded, newest first; `current` names the one screened (null before any)."""
    return await sanctions_queries.list_versions(runtime)


@router.post("/matches", summary="Screen names against the sanctions list",
             response_model=SanctionsMatches, responses=problem_responses(*READ))
async def matches(body: SanctionsQuery, runtime: RuntimeDep, _who: Screener) -> dict[str, Any]:
    """Which entities of the list screened now each name is, best first.

    Names are compared with every name alias of every entity by the same entity resolution
    as denial matching (legal forms, abbreviations, transliteration of every script, joined
    words, one typo; a different distinctive word is another entity); a listed person is
    matched on a whole name, never by its initials. A match names the name asked
    (`name_matched`), the listed alias it matched (`alias`), a score, the reasons in words
    and the entity's first `programme`; `country`, when given, is compared with the
    entity's citizenship and addresses (a reason, never a filter: a listed entity is a hit
    wherever it is). `on` (default today): entities designated after it are not hits.
    `list_version` is null while no list is loaded (then there are no matches).
    """
    return await sanctions_queries.find_matches(
        runtime, [(n.name, n.country) for n in body.names], on=body.on)


@router.get("/hits", summary="Sanctions hits on general-licence realisations",
            response_model=RealisationHitPage, responses=problem_responses(400, *READ))
async def hits(runtime: RuntimeDep, _who: DutchOfficial, limit: Limit = 50,
               cursor: Cursor = None) -> dict[str, Any]:
    """Every `RealisationSanctionsHit`, newest first: intake's `RealisationReported` is
    screened as it arrives (its exporter, the one party a realisation names) against the list
    screened then, as on the day its conditions were checked; one hit per realisation, party
    and listed entity. A realisation reported before any list was loaded is not screened
    again when one is.
    """
    return await sanctions_queries.realisation_hit_page(runtime, limit=limit, cursor=cursor)
