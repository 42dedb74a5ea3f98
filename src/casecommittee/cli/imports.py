"""`casecommittee import FILE --group ID`: a partner's spreadsheet previewed, then imported by
the same job the web interface and the API confirm (or only previewed with --dry-run)."""

from pathlib import Path

import click

from ..imports import service
from ..imports.columns import COLUMNS
from ..imports.vocabulary import DECISIONS
from ..stores.auth import user_principal
from . import main, pass_context


def _pairs(values, name: str, allowed=None) -> dict:
    found = {}
    for value in values:
        key, sep, target = value.rpartition("=")
        if not sep or not key or (allowed is not None and target not in allowed):
            hint = f" ; valeurs possibles : {', '.join(allowed)}" if allowed else ""
            raise click.BadParameter(f"« {value} » : écrivez {name}{hint}")
        found[key] = target or None
    return found


def _show_preview(preview: dict) -> None:
    counts = preview["counts"]
    click.echo(f"{preview['row_count']} ligne(s) lue(s) ({preview['kind']}) : {counts['ok']} à "
               f"importer, {counts['duplicate']} doublon(s) probable(s), {counts['error']} en erreur")
    if preview["already_imported_on"]:
        click.echo(f"ce fichier a déjà été importé le {preview['already_imported_on']:%d/%m/%Y} "
                   "dans ce groupe : les personnes connues ne seront pas créées à nouveau")
    for row in preview["rows"]:
        for error in row["errors"]:
            where = f", colonne « {error['column']} »" if error["column"] else ""
            click.echo(f"  ligne {row['row']}{where} : {error['message']}")
        if row["duplicate"]:
            click.echo(f"  ligne {row['row']} : {row['duplicate']} → {row['decision']} "
                       f"(choix : {', '.join(row['choices'])} ; --decide {row['row']}=…)")


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", "group_id", required=True, help="Le groupe de travail des personnes.")
@click.option("--structure", "structure_id", help="La structure qui a envoyé le fichier "
              "(sa correspondance de colonnes est enregistrée et reprise).")
@click.option("--as", "user_id", required=True,
              help="Le référent ou co-pilote du groupe au nom de qui les personnes sont repérées.")
@click.option("--map", "mappings", multiple=True, metavar="COLONNE=NOTRE_COLONNE",
              help="Associe une colonne du fichier à l'une des nôtres (vide : l'ignorer). "
                   f"Nos colonnes : {', '.join(c.key for c in COLUMNS)}.")
@click.option("--decide", "decisions", multiple=True, metavar="LIGNE=DÉCISION",
              help=f"Décision pour une ligne : {', '.join(DECISIONS)}.")
@click.option("--dry-run", is_flag=True, help="Vérifie le fichier sans rien écrire.")
@pass_context
def import_file(ctx, file, group_id, structure_id, user_id, mappings, decisions, dry_run):
    """Import the people of a spreadsheet (CSV or XLSX) into a group, after a preview."""
    mapping = _pairs(mappings, "COLONNE=NOTRE_COLONNE")
    decided = {int(k): v for k, v in _pairs(decisions, "LIGNE=DÉCISION", DECISIONS).items()
               if k.isdigit()}
    if len(decided) != len(decisions):
        raise click.BadParameter("--decide attend un numéro de ligne, ex. --decide 3=skip")
    system = ctx.system
    principal = user_principal(system.engine, user_id)
    if principal is None:
        raise click.ClickException(f"aucun utilisateur « {user_id} » : donnez à --as l'identifiant "
                                   "d'un référent ou co-pilote du groupe (`casecommittee users list`)")
    try:
        import_id = service.upload(system, principal, file.read_bytes(), group_id=group_id,
                                   structure_id=structure_id)
        try:
            if mapping:
                preview = service.set_mapping(system, principal, import_id, mapping)
            else:
                preview = service.preview(system, principal, import_id)
            if preview["mapping_errors"]:
                for field, messages in preview["mapping_errors"].items():
                    click.echo(f"  {field} : {' ; '.join(messages)}", err=True)
                raise click.ClickException(
                    "des colonnes du fichier restent à associer aux nôtres : relancez avec "
                    "--map 'En-tête du fichier=notre_colonne' (colonnes du fichier : "
                    + ", ".join(preview["mapping"]) + ")")
            _show_preview(preview)
            if dry_run:
                service.cancel(system, principal, import_id)
                click.echo("--dry-run : rien n'a été écrit")
                return
        except BaseException:
            service.cancel(system, principal, import_id)
            raise
        service.confirm(system, principal, import_id, decided)
        with click.progressbar(length=preview["row_count"], label="import") as bar:
            report = service.run(system, import_id,
                                 on_progress=lambda done, _total: bar.update(done - bar.pos))
    except service.ImportRefused as refused:
        detail = "".join(f"\n  {field} : {' ; '.join(messages)}"
                         for field, messages in (refused.errors or {}).items()
                         if messages != [refused.message])
        raise click.ClickException(refused.message + detail) from None
    if report is None:
        raise click.ClickException("l'import est déjà en cours dans un autre processus")
    click.echo(f"créées : {report['created']}, mises à jour : {report['updated']}, ignorées : "
               f"{report['skipped']}, refusées : {report['refused']}")
    for row in report["rows"]:
        if row["outcome"] in ("skipped", "refused", "updated"):
            click.echo(f"  ligne {row['row']} : {row['outcome']} — {row['reason']}")
    click.echo(f"import {import_id}")
