"""Cognito: the user pool of artists and the SPA's app client with a hosted UI domain.

Every user carries the custom attribute ``artist_id`` (the tenant their records belong to). The
SPA's client may read it but never write it: only an administrator (``AdminCreateUser`` or
``AdminUpdateUserAttributes``) sets it, so nobody can sign up into someone else's tenant. Where it
is unset, the platform uses the user's ``sub`` (see ``soundmosaic.platform.auth``). Custom
attributes travel in the ID token, which is the token the SPA sends to the API.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Environment, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct
from soundmosaic.platform import auth

from infra.settings import Settings
from infra.stacks.base import FoundationStack

ARTIST_ID_ATTRIBUTE = "artist_id"  # the claim is "custom:artist_id"
HOLDER_ID_ATTRIBUTE = "holder_id"  # the claim is "custom:holder_id"
CALLBACK_PATH = "/auth/callback"
DESCRIPTION = "SoundMosaic auth: Cognito user pool, SPA client and hosted UI"


class AuthStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        self.user_pool = cognito.UserPool(
            self, "Artists",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                ARTIST_ID_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
                HOLDER_ID_ATTRIBUTE: cognito.StringAttribute(min_len=1, max_len=128, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12, require_lowercase=True, require_uppercase=True,
                require_digits=True, require_symbols=False,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=settings.is_production,
            removal_policy=RemovalPolicy.RETAIN,
        )
        origins = settings.spa_origins
        self.client = self.user_pool.add_client(
            "Spa",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL,
                        cognito.OAuthScope.PROFILE],
                callback_urls=[f"{o}{CALLBACK_PATH}" for o in origins] + [f"{o}/" for o in origins],
                logout_urls=[f"{o}/" for o in origins],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, fullname=True)
            .with_custom_attributes(ARTIST_ID_ATTRIBUTE, HOLDER_ID_ATTRIBUTE),
            write_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, fullname=True),
        )
        # Its members may correct a generated track's provenance (audited); administrators add them.
        cognito.CfnUserPoolGroup(self, "RoyaltyAdmins", user_pool_id=self.user_pool.user_pool_id,
                                 group_name=auth.ROYALTY_ADMINS,
                                 description="may correct generated tracks' provenance, with a reason")
        self.domain = self.user_pool.add_domain(
            "HostedUi",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=settings.auth_domain_prefix),
        )
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id,
                  description="Cognito user pool id")
        CfnOutput(self, "UserPoolClientId", value=self.client.user_pool_client_id,
                  description="SPA app client id")
        CfnOutput(self, "HostedUiDomain", value=self.domain.base_url(),
                  description="Cognito hosted UI base URL")
        CfnOutput(self, "Issuer", value=self.user_pool.user_pool_provider_url,
                  description="JWT issuer the API authorizer trusts")
