/** Rendering with the app's providers, a scripted API, and fake audio for component tests. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { vi } from "vitest";
import { signIn } from "../auth/session";
import { UploadProvider } from "../upload/context";
import type { UploadBackend } from "../upload/queue";

/** A signed JWT-shaped token whose payload the app can read (the API checks signatures). */
export function fakeToken(claims: Record<string, unknown> = {}): string {
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub: "tester", exp: Date.now() / 1000 + 3600, ...claims })}.signature`;
}

export function signInForTest() {
  signIn({ token: fakeToken(), kind: "dev", name: "tester", expiresAt: Date.now() + 3_600_000 });
}

type Handler = (request: Request, url: URL) => unknown;

export interface ApiCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/**
 * Replace fetch with a router: `"GET /tracks": handler`. A handler returns a body (200) or a
 * `Response`. Unmatched requests answer 404. Returns the list of calls made.
 */
export function mockApi(routes: Record<string, Handler>) {
  const calls: ApiCall[] = [];
  vi.stubGlobal("fetch", vi.fn(async (input: Request | string, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/api/, "");
    const text = request.method === "GET" ? "" : await request.text();
    calls.push({ method: request.method, path, query: Object.fromEntries(url.searchParams), body: text ? JSON.parse(text) : null });
    for (const [route, handler] of Object.entries(routes)) {
      const [method, pattern] = route.split(" ");
      const regex = new RegExp(`^${pattern!.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      if (method === request.method && regex.test(path)) {
        const reply = handler(request, url);
        return reply instanceof Response ? reply : Response.json(reply);
      }
    }
    return Response.json({ message: `no route for ${request.method} ${path}` }, { status: 404 });
  }));
  return calls;
}

const never = () => new Promise<never>(() => undefined);

/** An upload backend that never answers: uploads stay in flight. */
export const idleBackend: UploadBackend = {
  create: never, complete: never, abort: never, findJob: never, process: never, put: never,
};

export function renderApp(ui: ReactElement, { route = "/", path = "/" } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <UploadProvider backend={idleBackend}>
          <Routes>
            <Route path={path} element={ui} />
            <Route path="*" element={<p>elsewhere</p>} />
          </Routes>
        </UploadProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
