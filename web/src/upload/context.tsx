/** The app-wide upload queue: uploads keep going while the user browses. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { apiBackend } from "./backend";
import { UploadQueue, type UploadBackend } from "./queue";

const QueueContext = createContext<UploadQueue | null>(null);

export function UploadProvider({ children, backend = apiBackend }: { children: ReactNode; backend?: UploadBackend }) {
  const client = useQueryClient();
  const [queue] = useState(() => new UploadQueue(backend, {
    onTrack: () => {
      void client.invalidateQueries({ queryKey: ["tracks"] });
      void client.invalidateQueries({ queryKey: ["jobs"] });
    },
  }));
  useEffect(() => () => queue.stopAll(), [queue]);
  return <QueueContext.Provider value={queue}>{children}</QueueContext.Provider>;
}

export function useUploadQueue(): UploadQueue {
  const queue = useContext(QueueContext);
  if (!queue) throw new Error("useUploadQueue needs an UploadProvider");
  return queue;
}

export function useUploads() {
  const queue = useUploadQueue();
  const { items, autoProcess } = useSyncExternalStore(queue.subscribe, queue.snapshot);
  return { queue, items, autoProcess };
}
