"""Administer the portal's PostgreSQL roles and databases."""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
from psycopg import sql

from ..errors import ServiceError
from .services import PG_HOST, PG_PORT


def run_admin_sql(statements: str, dbname: str = "postgres") -> None:
    """Run SQL as the PostgreSQL superuser.

    Tries TCP as ``postgres`` first (trust authentication, as on CI machines),
    then, when running as root, ``psql`` as the ``postgres`` system user over
    the local socket (peer authentication, as on a stock Debian install).

    Raises:
        ServiceError: neither way is allowed on this machine.
    """
    try:
        with psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user="postgres",
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            conn.execute(statements.encode())
            return
    except psycopg.OperationalError as exc:
        tcp_error = exc
    if os.geteuid() == 0 and shutil.which("runuser") and shutil.which("psql"):
        done = subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-d",
                dbname,
                "-f",
                "-",
            ],
            input=statements,
            text=True,
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
        raise ServiceError(f"psql as postgres failed on database {dbname}: {done.stderr.strip()}")
    raise ServiceError(
        f"Cannot administer PostgreSQL on {PG_HOST}:{PG_PORT} as 'postgres' ({tcp_error}). "
        "Allow local connections for the postgres role (pg_hba.conf) or run as root."
    )


def create_role(name: str, password: str) -> str:
    """Return SQL that creates a login role, or resets its password if it exists."""
    ident, pw = sql.Identifier(name).as_string(), sql.Literal(password).as_string()
    literal = sql.Literal(name).as_string()
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal}) "
        f"THEN CREATE ROLE {ident} LOGIN PASSWORD {pw}; "
        f"ELSE ALTER ROLE {ident} LOGIN PASSWORD {pw}; END IF; END $$;"
    )


def database_exists(name: str, user: str, password: str) -> bool:
    """Tell whether a database exists, by connecting to it as its owner."""
    try:
        with psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user=user,
            password=password,
            dbname=name,
            connect_timeout=5,
        ):
            return True
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):
            return False
        raise ServiceError(f"Cannot connect to database {name} as {user}: {exc}") from exc


def create_databases(
    owner: str, reader: str, password_rw: str, password_ro: str, names: list[str]
) -> None:
    """Create the roles and the databases they own (idempotent)."""
    run_admin_sql(create_role(owner, password_rw) + create_role(reader, password_ro))
    for name in names:
        if not database_exists(name, owner, password_rw):
            run_admin_sql(
                f"CREATE DATABASE {sql.Identifier(name).as_string()} "
                f"OWNER {sql.Identifier(owner).as_string()} ENCODING 'UTF8' TEMPLATE template0"
            )


def drop_databases(names: list[str], roles: list[str]) -> None:
    """Drop databases (closing their connections) and roles, if they exist."""
    for name in names:
        run_admin_sql(f"DROP DATABASE IF EXISTS {sql.Identifier(name).as_string()} WITH (FORCE)")
    for role in roles:
        run_admin_sql(f"DROP ROLE IF EXISTS {sql.Identifier(role).as_string()}")
