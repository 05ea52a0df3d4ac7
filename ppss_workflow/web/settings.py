"""The web application's settings: environment variables ``PPSS_WEB_*`` (or a ``.env``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """How the web application runs.

    ``secret_key`` signs the session cookie and must be the same in every process serving
    one site; it is required unless ``demo`` (then a random one is made: one process only).
    ``oidc_role_map`` maps a value of the ``oidc_role_claim`` claim to a role:
    ``{"ppss-samordnare": "coordinator", "ppss-farsta": "district:Farsta"}``.
    """

    model_config = SettingsConfigDict(env_prefix="PPSS_WEB_", env_file=".env", extra="ignore")

    database_url: str | None = None
    secret_key: SecretStr | None = None
    demo: bool = False
    language: str = "sv"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_role_claim: str = "groups"
    oidc_role_map: dict[str, str] = {}
    #: The site's address as people reach it (``PPSS_PUBLIC_URL``): links handed out to be
    #: used elsewhere (calendar subscriptions) are made from it, not from the request.
    public_url: str | None = Field(None, validation_alias="PPSS_PUBLIC_URL")
