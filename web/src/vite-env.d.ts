/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** API origin (the Api stack's `ApiUrl`); empty means the SPA's own origin (`soundmosaic up`). */
  readonly VITE_API_BASE?: string;
  /** Cognito hosted UI base URL (the Auth stack's `HostedUiDomain`). */
  readonly VITE_COGNITO_DOMAIN?: string;
  /** Cognito app client id (the Auth stack's `UserPoolClientId`). */
  readonly VITE_COGNITO_CLIENT_ID?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
