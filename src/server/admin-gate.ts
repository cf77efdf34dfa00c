import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdminTokenVerifier } from './admin-token'
import type { LoginThrottle } from './login-throttle'
import { sendError } from './http-adapter'

/**
 * Admission for admin routes: a bearer token in the Authorization header (never a query string
 * or cookie), with failures throttled per client address.
 */
export class AdminGate {
  constructor(
    private readonly verifier: AdminTokenVerifier,
    private readonly throttle: LoginThrottle,
  ) {}

  /** True when the request may proceed; otherwise the answer has been sent. */
  authorize(req: IncomingMessage, res: ServerResponse): boolean {
    const address = req.socket.remoteAddress ?? 'unknown'
    const wait = this.throttle.retryAfterSeconds(address)
    if (wait > 0) {
      sendError(res, 'too_many_requests', 'Too many failed attempts; try again later', {
        'retry-after': String(wait),
      })
      return false
    }
    if (this.verifier.verifyHeader(req.headers.authorization)) {
      this.throttle.recordSuccess(address)
      return true
    }
    if (req.headers.authorization !== undefined) this.throttle.recordFailure(address)
    sendError(res, 'unauthorized', 'Send the admin token as "Authorization: Bearer <token>"', {
      'www-authenticate': 'Bearer realm="keypool"',
    })
    return false
  }

  /** Checks a password from the login form, with the same throttling. */
  login(address: string, password: string | undefined): 'ok' | 'denied' | number {
    const wait = this.throttle.retryAfterSeconds(address)
    if (wait > 0) return wait
    if (this.verifier.verify(password)) {
      this.throttle.recordSuccess(address)
      return 'ok'
    }
    this.throttle.recordFailure(address)
    return 'denied'
  }
}
