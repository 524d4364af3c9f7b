import { fireEvent, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { useUploadQueue } from "../upload/context";
import { renderApp, signInForTest } from "../test/utils";
import { DropZone } from "./DropZone";
import { AutoProcessSwitch, UploadList } from "./UploadList";

function Harness({ onFiles }: { onFiles?: (files: File[]) => void }) {
  const queue = useUploadQueue();
  return (
    <>
      <DropZone onFiles={onFiles ?? ((files) => queue.add(files))}><AutoProcessSwitch /></DropZone>
      <UploadList />
    </>
  );
}

describe("DropZone", () => {
  it("takes dropped files and chosen files", async () => {
    const onFiles = vi.fn();
    renderApp(<Harness onFiles={onFiles} />);
    const a = new File(["a"], "a.wav", { type: "audio/wav" });
    const b = new File(["b"], "b.mp3", { type: "audio/mpeg" });
    fireEvent.drop(screen.getByText(/Drop audio files here/).closest(".dropzone")!, { dataTransfer: { files: [a, b] } });
    expect(onFiles).toHaveBeenLastCalledWith([a, b]);
    await userEvent.upload(screen.getByTestId("file-input"), [b]);
    expect(onFiles).toHaveBeenLastCalledWith([b]);
  });
});

describe("UploadList", () => {
  it("lists nothing until a file is dropped, then shows it with a way to cancel", async () => {
    signInForTest();
    renderApp(<Harness />);
    expect(screen.queryByRole("heading", { name: "Uploads" })).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getByRole("checkbox", { name: "Process automatically after upload" }));
    expect(screen.getByRole("checkbox", { name: "Process automatically after upload" })).not.toBeChecked();
    expect(localStorage.getItem("soundmosaic.autoProcess")).toBe("false");
    await user.upload(screen.getByTestId("file-input"), [new File(["x"], "song.flac")]);
    expect(screen.getByRole("heading", { name: "Uploads" })).toBeInTheDocument();
    const row = screen.getByTestId("upload-row");
    expect(row).toHaveTextContent("song.flac");
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(row).toHaveTextContent("Cancelled");
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Dismiss song.flac" }));
    expect(screen.queryByTestId("upload-row")).not.toBeInTheDocument();
  });
});
