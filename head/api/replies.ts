// How the API answers a refusal: the code's HTTP status, with the code and PBS's message.
import type { FastifyReply } from 'fastify';
import { httpStatus, type Refusal, type Result } from '../../core/errors.js';

export function refusal(error: Refusal) {
  return { statusCode: httpStatus(error.code), code: error.code, message: error.message };
}

/** A result as the reply: its value, or its refusal with the code's HTTP status. */
export function answer<T>(reply: FastifyReply, r: Result<T>) {
  if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
  return r.value;
}
