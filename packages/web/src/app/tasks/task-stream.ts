import { useEffect, useState } from 'react';
import { api, call } from '../api/client';
import { asApiError, type ApiError } from '../api/problem';
import type { TaskEvent, TaskSummary } from '../api/types';
import { isFinished } from './progress';

/**
 * A task followed live: its stored state and events first, then the server's event stream
 * (/api/v1/tasks/:id/stream, Server-Sent Events: `event` per progress event, `task` per state
 * change; the server ends it when the task finishes). EventSource reconnects by itself after a
 * dropped connection, and the stream replays stored events, so events are de-duplicated by seq.
 * Mount it keyed by the task id (a new task is a new component, with fresh state).
 */
export function useTaskLive(id: string): {
  task: TaskSummary | null;
  events: TaskEvent[];
  error: ApiError | null;
  reload: () => void;
} {
  const [task, setTask] = useState<TaskSummary | null>(null);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let source: EventSource | null = null;
    let live = true;
    const merge = (more: TaskEvent[]) =>
      setEvents((old) => {
        const seen = new Set(old.map((e) => e.seq));
        const add = more.filter((e) => !seen.has(e.seq));
        return add.length ? [...old, ...add].sort((a, b) => a.seq - b.seq) : old;
      });
    void call(api.GET('/api/v1/tasks/{id}', { params: { path: { id } } })).then(
      ({ events: stored, ...t }) => {
        if (!live) return;
        setTask(t);
        merge(stored);
        if (isFinished(t)) return;
        source = new EventSource(`/api/v1/tasks/${encodeURIComponent(id)}/stream`);
        source.addEventListener('event', (m) =>
          merge([JSON.parse((m as MessageEvent<string>).data) as TaskEvent]),
        );
        source.addEventListener('task', (m) => {
          const next = JSON.parse((m as MessageEvent<string>).data) as TaskSummary;
          setTask(next);
          if (isFinished(next)) source?.close();
        });
      },
      (e: unknown) => live && setError(asApiError(e)),
    );
    return () => {
      live = false;
      source?.close();
    };
  }, [id, attempt]);

  return { task, events, error, reload: () => setAttempt((a) => a + 1) };
}

/** Queues an operation on a host and resolves with the finished task (stack.status, stack.logs…). */
export async function runAndWait(
  hostId: string,
  op: string,
  params: Record<string, unknown>,
  deadlineSeconds = 120,
): Promise<TaskSummary> {
  const task = await call(
    api.POST('/api/v1/hosts/{id}/tasks', {
      params: { path: { id: hostId } },
      body: { op, params, deadlineSeconds },
    }),
  );
  return waitForTask(task.id);
}

export function waitForTask(id: string): Promise<TaskSummary> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(`/api/v1/tasks/${encodeURIComponent(id)}/stream`);
    source.addEventListener('task', (m) => {
      const t = JSON.parse((m as MessageEvent<string>).data) as TaskSummary;
      if (!isFinished(t)) return;
      source.close();
      resolve(t);
    });
    source.onerror = () => {
      // Closed by the server after the final state, or lost: the task's state says which.
      if (source.readyState !== EventSource.CLOSED) return;
      void call(api.GET('/api/v1/tasks/{id}', { params: { path: { id } } })).then((t) => {
        if (isFinished(t)) resolve(t);
        else reject(asApiError(new TypeError('stream lost')));
      }, reject);
    };
  });
}
