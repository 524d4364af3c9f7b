"""The HTTP API: API Gateway HTTP API (v2) with a Cognito JWT authorizer, in front of the API
function. ``GET /api/health``, ``GET /api/openapi.json`` (``platform.auth.PUBLIC_PATHS``, open
locally too) and ``GET /api/booth/public/...`` (``PUBLIC_PREFIXES``: a participant's code) need
no token; every other ``/api/...`` route requires a valid token from the SPA's
app client (the ID token carries ``custom:artist_id``).
"""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, Environment
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from constructs import Construct
from soundmosaic.platform import resources
from soundmosaic.platform.auth import PUBLIC_PATHS, PUBLIC_PREFIXES
from soundmosaic.platform.resources import physical_name

from infra.constructs.functions import ListedFunctions, Shared
from infra.constructs.logs import log_group as make_log_group
from infra.settings import Settings
from infra.stacks.base import FoundationStack

API_FUNCTION = "api"  # the listed function behind the HTTP API
PROXY_PATH = "/api/{proxy+}"
DESCRIPTION = "SoundMosaic API: HTTP API, JWT authorizer and the API function"
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLatency": "$context.responseLatency",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "subject": "$context.authorizer.claims.sub",
}


class ApiStack(FoundationStack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 shared: Shared, user_pool: cognito.IUserPool,
                 user_pool_client: cognito.IUserPoolClient, function_keys: list[str],
                 env: Environment | None = None) -> None:
        super().__init__(scope, construct_id, settings=settings, env=env,
                         description=DESCRIPTION)
        resources.function(API_FUNCTION)  # fails loudly if the resource list drops it
        self.functions = ListedFunctions(self, "Functions", keys=function_keys, shared=shared)
        handler = self.functions.functions[API_FUNCTION]

        self.http_api = apigw.HttpApi(
            self, "HttpApi",
            api_name=physical_name(settings.stage, API_FUNCTION),
            description="SoundMosaic HTTP API",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(settings.spa_origins),
                allow_methods=[apigw.CorsHttpMethod.ANY],
                allow_headers=["authorization", "content-type", "idempotency-key",
                               "x-correlation-id"],
                expose_headers=["etag", "x-correlation-id"],
                max_age=Duration.hours(1),
            ),
        )
        access_logs = make_log_group(self, "AccessLogs", settings)
        self.stage = self.http_api.add_stage(
            "DefaultStage",
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=100, burst_limit=200),
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        )

        integration = integrations.HttpLambdaIntegration(
            "ApiFunction", handler,
            payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0,
        )
        authorizer = authorizers.HttpUserPoolAuthorizer(
            "Cognito", user_pool,
            user_pool_clients=[user_pool_client],
            identity_source=["$request.header.Authorization"],
        )
        self.http_api.add_routes(path=PROXY_PATH, methods=[apigw.HttpMethod.ANY],
                                 integration=integration, authorizer=authorizer)
        for path in PUBLIC_PATHS:  # open locally too: the same list
            self.http_api.add_routes(path=path, methods=[apigw.HttpMethod.GET],
                                     integration=integration, authorizer=apigw.HttpNoneAuthorizer())
        for prefix in PUBLIC_PREFIXES:  # a booth participant's page: the code is the credential
            self.http_api.add_routes(path=prefix + "{proxy+}", methods=[apigw.HttpMethod.GET],
                                     integration=integration, authorizer=apigw.HttpNoneAuthorizer())

        CfnOutput(self, "ApiUrl", value=self.stage.url,
                  description="Base URL of the HTTP API; the SPA calls <ApiUrl>api/...")
