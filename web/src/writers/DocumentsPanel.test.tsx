import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ScriptDocument } from "../api/writers";
import { mockApi, renderApp, signInForTest } from "../test/utils";
import { doc, ROOM } from "./testing";
import Writers from "./WritersRoutes";

/** Storage (the presigned URLs' host) in front of the API mock: records each PUT with its bytes. */
function fakeStorage(status = 200, onPut: () => void = () => undefined) {
  const puts: { url: string; body: string; headers: Record<string, string> }[] = [];
  const apiFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: Request | string, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.startsWith("http://storage.test/")) return apiFetch(input, init);
    const body = init?.body;
    const text = body instanceof Blob ? await new Promise<string>((resolve) => {
      const reader = new FileReader();  // jsdom's File: read the way the browser would
      reader.onload = () => resolve(String(reader.result));
      reader.readAsText(body);
    }) : String(body);
    puts.push({ url, body: text, headers: Object.fromEntries(new Headers(init?.headers)) });
    onPut();
    return new Response(null, { status });
  });
  return puts;
}

describe("DocumentsPanel", () => {
  beforeEach(signInForTest);

  it("sends a dropped script to its presigned URL and lists each document's status and failure reason", async () => {
    let listed: ScriptDocument[] = [
      doc({ version: 2 }),
      doc({ document_id: "d2", filename: "locked.pdf", format: "pdf", status: "failed", error: "the PDF is password-protected",
        episode: null, version: null, scenes: null }),
    ];
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/documents": () => ({ items: listed }),
      "POST /writers/rooms/{r}/uploads": () => Response.json({ key: "uploads/writers/r1/ep012.fountain", url: "http://storage.test/bucket/ep012", document_id: "d3",
        method: "PUT", headers: { "Content-Type": "text/plain" } }, { status: 201 }),
    });
    const puts = fakeStorage(200, () => {
      listed = [...listed, doc({ document_id: "d3", filename: "ep012.fountain", status: "parsing", episode: null, scenes: null })];
    });
    const user = userEvent.setup();
    renderApp(<Writers />, { route: "/writers/r1/documents", path: "/writers/*" });
    expect(await screen.findAllByTestId("document")).toHaveLength(2);
    expect(screen.getByTestId("document-error")).toHaveTextContent("the PDF is password-protected");
    expect(screen.getByTestId("file-input")).toHaveAttribute("accept", ".pdf,.docx,.fdx,.fountain,.md,.markdown,.txt");

    const script = new File(["EXT. HOF - TAG\n\nLENA\nHallo."], "ep012.fountain", { type: "text/plain" });
    await user.upload(screen.getByTestId("file-input"), script);
    await waitFor(() => expect(screen.getByTestId("sending")).toHaveTextContent("sent, ingesting"));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ filename: "ep012.fountain", size_bytes: script.size });
    expect(puts).toEqual([{ url: "http://storage.test/bucket/ep012", body: "EXT. HOF - TAG\n\nLENA\nHallo.",
      headers: { "content-type": "text/plain" } }]);
    expect(await screen.findByText("parsing")).toBeInTheDocument();
  });

  it("says why an upload failed, and the others still go", async () => {
    const calls = mockApi({
      "GET /writers/rooms/{r}": () => ROOM,
      "GET /writers/rooms/{r}/documents": () => ({ items: [] }),
      "POST /writers/rooms/{r}/uploads": () => {
        const body = calls.at(-1)!.body as { filename: string };  // this request's, read by the mock
        return body.filename.endsWith(".exe")
          ? Response.json({ message: "not a script: .exe" }, { status: 400 })
          : Response.json({ key: "k", url: "http://storage.test/bucket/ok", document_id: "d4", method: "PUT", headers: {} }, { status: 201 });
      },
    });
    fakeStorage();
    const user = userEvent.setup({ applyAccept: false });
    renderApp(<Writers />, { route: "/writers/r1/documents", path: "/writers/*" });
    expect(await screen.findByText("No scripts yet")).toBeInTheDocument();
    await user.upload(screen.getByTestId("file-input"), [new File(["MZ"], "virus.exe"), new File(["text"], "ep2.txt")]);
    await waitFor(() => expect(screen.getAllByTestId("sending").map((s) => s.textContent)).toEqual([
      "virus.exe failed: not a script: .exe", "ep2.txt sent, ingesting"]));
  });
});
