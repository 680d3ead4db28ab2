/**
 * @module web/lib/registration-worker
 * The worker that solves the registration proof of work (protocol/registration-work.ts): a second or more of
 * hashing that must never run on the page's main thread, where it would freeze the page (and the widget's partner).
 * It imports no zod (nor the protocol's error wire, which needs it): the solver cannot fail but by a bug, and this
 * chunk is what a widget loads on opt-in.
 */
import { expose } from 'comlink';
import { solveChallenge } from '../../protocol/registration-work.ts';

const registrationWorker = { solveChallenge };
export type RegistrationWorker = typeof registrationWorker;

expose(registrationWorker);
