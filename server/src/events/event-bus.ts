// One typed event bus: whoever makes an event emits it once, whoever wants it subscribes by name. It replaces a
// callback per event type handed down to each deployment, a listener set per type in the deployer and a relay per
// type in the socket plugin.

type Listener<T> = (value: T) => void;

export class EventBus<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `listener` with every event of `type` from now on; returns what unsubscribes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /**
   * Hands `value` to every listener of `type`, in the order they subscribed. A listener that throws does not keep
   * the others from the event: the first error is thrown again once all were called.
   */
  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    let failure: { error: unknown } | undefined;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /** How many listeners `type` has (for tests and leak checks). */
  listenerCount(type: keyof Events): number {
    return this.listeners.get(type)?.size ?? 0;
  }
}
