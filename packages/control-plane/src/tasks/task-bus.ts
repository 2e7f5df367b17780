import { EventEmitter } from 'node:events';
import type { TaskView, TaskEventView } from './tasks.js';

export type TaskNotice =
  | { kind: 'task'; ownerId: string; task: TaskView }
  | { kind: 'event'; ownerId: string; taskId: string; event: TaskEventView };

/** In-process fan-out of task changes to live streams (SSE); the database stays the source of truth. */
export class TaskBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(n: TaskNotice): void {
    this.emitter.emit('notice', n);
  }

  subscribe(listener: (n: TaskNotice) => void): () => void {
    this.emitter.on('notice', listener);
    return () => this.emitter.off('notice', listener);
  }
}
