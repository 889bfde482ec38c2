// Labelled inputs with their validation message beside them. Number fields keep what the person typed, so a bad
// value stays on screen (as NaN in the draft) and validateWorld explains it.
import { type KeyboardEvent, type ReactNode, useEffect, useId, useState } from 'react';

interface FieldShellProps {
  id: string;
  label: string;
  message: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}

function FieldShell({ id, label, message, hint, children }: FieldShellProps) {
  return (
    <div className={`dw-field${message ? ' dw-field--invalid' : ''}`}>
      <label className="dw-field__label" htmlFor={id}>
        {label}
      </label>
      {children}
      {message ? (
        <p className="dw-field__message" id={`${id}-message`}>
          {message}
        </p>
      ) : hint ? (
        <p className="dw-field__hint" id={`${id}-message`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  message: string | undefined;
  hint?: ReactNode;
  onChange(value: string): void;
  onBlur?(): void;
  onKeyDown?(event: KeyboardEvent<HTMLInputElement>): void;
  spellCheck?: boolean;
}

export function TextField({ label, value, message, hint, onChange, onBlur, onKeyDown, spellCheck }: TextFieldProps) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} message={message} hint={hint}>
      <input
        id={id}
        className="dw-input"
        type="text"
        value={value}
        spellCheck={spellCheck ?? false}
        autoComplete="off"
        aria-invalid={message ? true : undefined}
        aria-describedby={message || hint ? `${id}-message` : undefined}
        onChange={(event) => onChange(event.target.value)}
        onBlur={onBlur}
        onKeyDown={onKeyDown}
      />
    </FieldShell>
  );
}

/**
 * "" is "not set" for optional fields; anything unparsable becomes NaN, which validation reports. `scale` is how
 * the field shows the value (100: a share of 1 typed as a percent; "20" or "20%" is 0.2).
 */
export function parseNumber(text: string, optional: boolean, scale = 1): number | undefined {
  const trimmed = text.trim().replace(/%$/, '').trim();
  if (trimmed === '') return optional ? undefined : Number.NaN;
  const typed = Number(trimmed);
  return scale === 1 ? typed : Number((typed / scale).toPrecision(12));
}

export function formatNumber(value: number | undefined, scale = 1): string {
  if (value === undefined || Number.isNaN(value)) return '';
  return String(scale === 1 ? value : Number((value * scale).toPrecision(12)));
}

interface NumberFieldProps {
  label: string;
  value: number | undefined;
  message: string | undefined;
  hint?: ReactNode;
  optional?: boolean;
  placeholder?: string;
  unit?: string;
  /** Shows value x scale and takes what is typed / scale: 100 for a share of 1 shown as a percent (unit "%"). */
  scale?: number;
  onChange(value: number | undefined): void;
}

export function NumberField({
  label,
  value,
  message,
  hint,
  optional = false,
  placeholder,
  unit,
  scale = 1,
  onChange,
}: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(() => formatNumber(value, scale));

  // Follow the draft when it changes elsewhere (another node selected, a reload), but not while the text
  // already means the same number ("0.50" stays "0.50").
  useEffect(() => {
    setText((current) =>
      Object.is(parseNumber(current, optional, scale), value) ? current : formatNumber(value, scale),
    );
  }, [value, optional, scale]);

  return (
    <FieldShell id={id} label={label} message={message} hint={hint}>
      <div className="dw-input-group">
        <input
          id={id}
          className="dw-input dw-input--number"
          type="text"
          inputMode="decimal"
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          aria-invalid={message ? true : undefined}
          aria-describedby={message || hint ? `${id}-message` : undefined}
          onChange={(event) => {
            setText(event.target.value);
            onChange(parseNumber(event.target.value, optional, scale));
          }}
        />
        {unit && <span className="dw-input-group__unit">{unit}</span>}
      </div>
    </FieldShell>
  );
}

export function ReadOnlyField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="dw-field dw-field--readonly">
      <span className="dw-field__label">{label}</span>
      <span className="dw-field__value">{children}</span>
    </div>
  );
}
