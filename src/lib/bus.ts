// An in-process publish/subscribe bus: deploy progress and log lines reach WebSocket channels.

/** Topic-based listeners; publishing never throws into the publisher. */
export class Bus<T = unknown> {
  private topics = new Map<string, Set<(msg: T) => void>>()

  subscribe(topic: string, fn: (msg: T) => void): () => void {
    let set = this.topics.get(topic)
    if (!set) this.topics.set(topic, (set = new Set()))
    set.add(fn)
    return () => {
      set!.delete(fn)
      if (!set!.size) this.topics.delete(topic)
    }
  }

  publish(topic: string, msg: T): void {
    for (const fn of this.topics.get(topic) ?? []) {
      try {
        fn(msg)
      } catch {}
    }
  }
}
