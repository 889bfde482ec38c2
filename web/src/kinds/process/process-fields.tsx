// A process's config in the inspector: the command it runs (with PORT and DW_EGRESS), the directory it runs in,
// the image compose runs instead, and a plain warning: the command runs as the controller's user.
import { DEFAULT_PROCESS_IMAGE_PORT, type ProcessConfig } from '@dw/world';
import { NumberField, TextField } from '../../inspector/fields';
import type { ConfigFieldsProps } from '../kind-entry';

export function ProcessFields({ config, messages, onChange }: ConfigFieldsProps<ProcessConfig>) {
  const optional = <K extends 'cwd' | 'image'>(key: K, value: string) => {
    const { [key]: _, ...rest } = config;
    onChange((value.trim() === '' ? rest : { ...rest, [key]: value }) as ProcessConfig);
  };
  return (
    <>
      <p className="dw-process__warning" data-testid="process-warning">
        This command runs on this machine as the controller's user, with that user's rights. Run only what you would run
        in your own shell.
      </p>
      <TextField
        label="Command"
        value={config.command ?? ''}
        message={messages['config/command']}
        hint={
          <>
            Run with <span className="dw-process__mono">/bin/sh -c</span>. Serve plain HTTP on 127.0.0.1:$PORT; call a
            linked service at <span className="dw-process__mono">http://127.0.0.1:$DW_EGRESS/&lt;service&gt;/…</span>{' '}
            (pass traceparent and x-dw-hops on). Its environment: PORT, DW_EGRESS, DW_SERVICE, DW_WORLD, PATH, HOME,
            LANG.
          </>
        }
        onChange={(command) => onChange({ ...config, command })}
      />
      <TextField
        label="Directory"
        value={config.cwd ?? ''}
        message={messages['config/cwd']}
        hint="An absolute path it runs in; empty: the controller's."
        onChange={(cwd) => optional('cwd', cwd)}
      />
      <TextField
        label="Image (compose)"
        value={config.image ?? ''}
        message={messages['config/image']}
        hint="In a compose export the program is this image, beside its sidecar."
        onChange={(image) => optional('image', image)}
      />
      <NumberField
        label="Image port (compose)"
        value={config.imagePort}
        optional
        placeholder={String(DEFAULT_PROCESS_IMAGE_PORT)}
        message={messages['config/imagePort']}
        hint="The port the image listens on (its PORT in compose)."
        onChange={(imagePort) => {
          const { imagePort: _, ...rest } = config;
          onChange(imagePort === undefined ? rest : { ...rest, imagePort });
        }}
      />
    </>
  );
}
