"""Cognito and the HTTP API: JWT on every route but health, CORS for the SPA, outputs."""

from __future__ import annotations

import pytest
from soundmosaic.platform.auth import PUBLIC_PATHS, PUBLIC_PREFIXES
from soundmosaic.platform.resources import physical_name

from infra.stacks.api import PROXY_PATH
from tests.infra.conftest import SPA_ORIGIN, STAGE
from tests.infra.helpers import by_property, of_type, props, text

pytestmark = pytest.mark.infra


def _api_function_id(template: dict) -> str:
    logical_id, _ = by_property(template, "AWS::Lambda::Function", "FunctionName",
                                physical_name(STAGE, "api"))
    return logical_id


def test_jwt_authorizer_trusts_the_user_pool_and_spa_client(synth):
    template = synth.json("Api")
    (authorizer,) = of_type(template, "AWS::ApiGatewayV2::Authorizer").values()
    p = props(authorizer)
    assert p["AuthorizerType"] == "JWT"
    assert p["IdentitySource"] == ["$request.header.Authorization"]
    assert "https://cognito-idp." in text(p["JwtConfiguration"]["Issuer"])
    assert "SoundMosaic-test-Auth" in text(p["JwtConfiguration"]["Issuer"])
    assert len(p["JwtConfiguration"]["Audience"]) == 1


def test_proxy_route_needs_a_token_and_only_the_public_paths_do_not(synth):
    template = synth.json("Api")
    (authorizer_id,) = of_type(template, "AWS::ApiGatewayV2::Authorizer")
    _, proxy = by_property(template, "AWS::ApiGatewayV2::Route", "RouteKey", f"ANY {PROXY_PATH}")
    assert props(proxy)["AuthorizationType"] == "JWT"
    assert props(proxy)["AuthorizerId"] == {"Ref": authorizer_id}
    assert PUBLIC_PATHS == ("/api/health", "/api/openapi.json")
    for path in PUBLIC_PATHS:
        _, public = by_property(template, "AWS::ApiGatewayV2::Route", "RouteKey", f"GET {path}")
        assert props(public)["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in props(public)
    assert PUBLIC_PREFIXES == ("/api/booth/public/",)
    for prefix in PUBLIC_PREFIXES:
        _, public = by_property(template, "AWS::ApiGatewayV2::Route", "RouteKey", f"GET {prefix}{{proxy+}}")
        assert props(public)["AuthorizationType"] == "NONE"
    routes = of_type(template, "AWS::ApiGatewayV2::Route")
    assert len(routes) == 1 + len(PUBLIC_PATHS) + len(PUBLIC_PREFIXES)
    # Every route reaches the API function.
    api_function = _api_function_id(template)
    for route in routes.values():
        integration_id = props(route)["Target"]["Fn::Join"][1][1]["Ref"]
        integration = props(template["Resources"][integration_id])
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [api_function, "Arn"]}
        assert integration["PayloadFormatVersion"] == "2.0"


def test_api_cors_allows_the_spa_origin(synth):
    (api,) = of_type(synth.json("Api"), "AWS::ApiGatewayV2::Api").values()
    cors = props(api)["CorsConfiguration"]
    assert cors["AllowOrigins"] == [SPA_ORIGIN]
    assert "authorization" in cors["AllowHeaders"]


def test_api_stage_logs_access_and_throttles(synth):
    (stage,) = of_type(synth.json("Api"), "AWS::ApiGatewayV2::Stage").values()
    p = props(stage)
    assert p["StageName"] == "$default" and p["AutoDeploy"] is True
    assert "DestinationArn" in p["AccessLogSettings"]
    assert "sourceIp" not in p["AccessLogSettings"]["Format"]  # no personal data in logs
    assert p["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0


def test_api_gateway_may_invoke_the_api_function(synth):
    template = synth.json("Api")
    api_function = _api_function_id(template)
    permissions = [p for p in of_type(template, "AWS::Lambda::Permission").values()
                   if props(p)["FunctionName"] == {"Fn::GetAtt": [api_function, "Arn"]}]
    assert permissions
    assert all(props(p)["Principal"] == "apigateway.amazonaws.com" for p in permissions)


def test_outputs_give_the_spa_what_it_needs(synth):
    assert "ApiUrl" in synth.json("Api")["Outputs"]
    outputs = synth.json("Auth")["Outputs"]
    assert {"UserPoolId", "UserPoolClientId", "HostedUiDomain", "Issuer"} <= set(outputs)


def test_user_pool_has_an_artist_id_the_spa_cannot_write(synth):
    template = synth.json("Auth")
    (pool,) = of_type(template, "AWS::Cognito::UserPool").values()
    custom = [a for a in props(pool)["Schema"] if a["Name"] == "artist_id"]
    assert custom and custom[0]["AttributeDataType"] == "String"
    assert pool["DeletionPolicy"] == "Retain"
    (client,) = of_type(template, "AWS::Cognito::UserPoolClient").values()
    p = props(client)
    assert "custom:artist_id" in p["ReadAttributes"]
    assert "custom:artist_id" not in p["WriteAttributes"]
    # The rights holder a user may read statements of: set by administrators only.
    holder = [a for a in props(pool)["Schema"] if a["Name"] == "holder_id"]
    assert holder and holder[0]["AttributeDataType"] == "String" and holder[0]["Mutable"] is True
    assert "custom:holder_id" in p["ReadAttributes"] and "custom:holder_id" not in p["WriteAttributes"]
    assert p["GenerateSecret"] is False
    assert p["AllowedOAuthFlows"] == ["code"]
    assert all(url.startswith(SPA_ORIGIN) for url in p["CallbackURLs"] + p["LogoutURLs"])
    (domain,) = of_type(template, "AWS::Cognito::UserPoolDomain").values()
    assert props(domain)["Domain"] == f"soundmosaic-{STAGE}"
    # The one group whose members may correct provenance (the API reads cognito:groups).
    (group,) = of_type(template, "AWS::Cognito::UserPoolGroup").values()
    assert props(group)["GroupName"] == "royalty-admins"


def test_production_domain_prefix_and_pool_protection(prod_synth):
    template = prod_synth.json("Auth")
    (domain,) = of_type(template, "AWS::Cognito::UserPoolDomain").values()
    assert props(domain)["Domain"] == "soundmosaic-prod-example"
    (pool,) = of_type(template, "AWS::Cognito::UserPool").values()
    assert props(pool)["DeletionProtection"] == "ACTIVE"
