// Every error answer is an ErrorBody (world/api.ts): a short code, a sentence for people, and for invalid
// input each problem with a JSON pointer into the request body.
import type { ErrorBody, Problem, ProcessBudget } from '@dw/world';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An error that knows its HTTP status and how to explain itself. Thrown by handlers, stores and validators. */
export class HttpProblem extends Error {
  /** The figures of a deploy the process budget refused (409 process-budget). */
  budget: ProcessBudget | undefined;
  /** The latest revision, when a stale one was refused (409 stale-rev, stale-revision). */
  rev: number | undefined;

  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = 'HttpProblem';
  }

  body(): ErrorBody {
    const body: ErrorBody = { error: this.error, message: this.message };
    if (this.problems) body.problems = this.problems;
    if (this.budget) body.budget = this.budget;
    if (this.rev !== undefined) body.rev = this.rev;
    return body;
  }
}

export const notFound = (what: string) => new HttpProblem(404, 'not-found', `${what} does not exist`);

/** Fastify's own client errors, translated into sentences. Anything unknown is a 500 that reveals nothing. */
const FASTIFY_CODES: Record<string, { error: string; message: (e: FastifyError, request: FastifyRequest) => string }> =
  {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: {
      error: 'unsupported-media-type',
      message: () => 'send the body as JSON, with content-type: application/json',
    },
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
      error: 'bad-request',
      message: () => 'the content-length does not match the body',
    },
    FST_ERR_CTP_BODY_TOO_LARGE: {
      error: 'body-too-large',
      message: (_e, request) =>
        `the request body is larger than the ${request.routeOptions.bodyLimit ?? 'configured'} bytes this controller accepts`,
    },
  };

/** Installs the error and not-found handlers on the root instance, so every answer has the same shape. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) return reply.code(error.statusCode).send(error.body());
    if (error.validation) {
      const problems = error.validation.map((v) => ({
        pointer: v.instancePath ?? '',
        message: v.message ?? 'is not valid',
      }));
      return reply.code(400).send({
        error: 'invalid-request',
        message: `the ${error.validationContext ?? 'request'} is not valid`,
        problems,
      } satisfies ErrorBody);
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      return reply
        .code(status)
        .send({ error: known.error, message: known.message(error, request) } satisfies ErrorBody);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error: 'bad-request', message: error.message || 'the request is not valid' } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({
      error: 'internal',
      message: 'the controller failed to answer this request; see its log',
    } satisfies ErrorBody);
  });
}
