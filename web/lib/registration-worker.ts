/**
 * @module web/lib/registration-worker
 * The worker that solves the registration proof of work (protocol/registration-proof.ts): a second or more of
 * hashing that must never run on the page's main thread, where it would freeze the page (and the widget's partner).
 */
import { expose } from 'comlink';
import { solveChallenge } from '../../protocol/registration-proof.ts';
import { useProtocolErrors } from '../../worker-kernels/comlink-errors.ts';

const registrationWorker = { solveChallenge };
export type RegistrationWorker = typeof registrationWorker;

useProtocolErrors();
expose(registrationWorker);
