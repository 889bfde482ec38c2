// A queue's config in the inspector: its bounds, how it delivers (in flight per consumer, timeout, attempts and
// backoff), its dead letters, and whether its messages survive a restart.
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_IN_FLIGHT_PER_CONSUMER,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_DEAD_LETTERS,
  DEFAULT_QUEUE_BACKOFF_MS,
  DEFAULT_QUEUE_MAX_BYTES,
  DEFAULT_QUEUE_MAX_MESSAGE_BYTES,
  DEFAULT_QUEUE_MAX_MESSAGES,
  type QueueConfig,
} from '@dw/world';
import { useId } from 'react';
import { NumberField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';

type NumberKey = Exclude<keyof QueueConfig, 'durable'>;

export function QueueFields({ config, messages, onChange }: ConfigFieldsProps<QueueConfig>) {
  const durableId = useId();
  const set = (key: NumberKey, value: number | undefined) => {
    const { [key]: _, ...rest } = config;
    onChange(value === undefined ? rest : { ...rest, [key]: value });
  };
  const field = (key: NumberKey, label: string, fallback: number, hint: string, unit?: string) => (
    <NumberField
      label={label}
      value={config[key]}
      optional
      placeholder={String(fallback)}
      {...(unit ? { unit } : {})}
      message={messages[`config/${key}`]}
      hint={hint}
      onChange={(value) => set(key, value)}
    />
  );
  return (
    <>
      <div className="dw-field">
        <label className="dw-field__check" htmlFor={durableId}>
          <input
            id={durableId}
            type="checkbox"
            checked={config.durable !== false}
            onChange={(event) => {
              const { durable: _, ...rest } = config;
              onChange(event.target.checked ? rest : { ...rest, durable: false });
            }}
          />{' '}
          Keep messages on disk
        </label>
        <p className="dw-field__hint">
          A publish is answered once it is on disk, and messages survive a restart of the queue. Off: in memory only.
        </p>
      </div>
      <div className="dw-field-row">
        {field(
          'inFlightPerConsumer',
          'In flight per consumer',
          DEFAULT_IN_FLIGHT_PER_CONSUMER,
          'Deliveries to one consumer at once.',
        )}
        {field(
          'deliveryTimeoutMs',
          'Delivery timeout',
          DEFAULT_DELIVERY_TIMEOUT_MS,
          'Unanswered by then: failed.',
          'ms',
        )}
      </div>
      <div className="dw-field-row">
        {field('maxAttempts', 'Attempts', DEFAULT_MAX_ATTEMPTS, 'Failed deliveries before a dead letter.')}
        {field('backoffMs', 'Backoff', DEFAULT_QUEUE_BACKOFF_MS, 'Before attempt n+1: backoff × 2^(n-1).', 'ms')}
      </div>
      <div className="dw-field-row">
        {field('maxMessages', 'Messages at most', DEFAULT_QUEUE_MAX_MESSAGES, 'Beyond it a publish gets 507.')}
        {field('maxMessageBytes', 'Message size at most', DEFAULT_QUEUE_MAX_MESSAGE_BYTES, 'Larger: 413.', 'B')}
      </div>
      <div className="dw-field-row">
        {field('maxBytes', 'Bytes held at most', DEFAULT_QUEUE_MAX_BYTES, 'Beyond it a publish gets 507.', 'B')}
        {field('maxDeadLetters', 'Dead letters kept', DEFAULT_MAX_DEAD_LETTERS, 'Older ones are dropped.')}
      </div>
    </>
  );
}
