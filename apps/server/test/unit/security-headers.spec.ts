import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { expect } from 'chai';
import helmet from 'helmet';
import { securityHeaders } from '../../src/http/security-headers';

/** A response that is never sent: only its header list is read. */
function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('X-Powered-By', 'something');
  return res;
}

describe('security headers (helmet, taken once)', () => {
  it('set exactly what helmet\'s own middleware sets, X-Powered-By removed', () => {
    const fromHelmet = response();
    helmet()(fromHelmet.req, fromHelmet, () => undefined);
    const fromOnce = response();
    securityHeaders().apply(fromOnce);
    expect(fromOnce.getHeaders()).to.deep.equal(fromHelmet.getHeaders());
    expect(fromOnce.getHeader('x-powered-by')).to.equal(undefined);
    expect(fromOnce.getHeader('content-security-policy')).to.include("default-src 'self'");
    expect(fromOnce.getHeader('x-frame-options')).to.equal('SAMEORIGIN');
  });

  it('the same values on every answer: nothing is computed per request', () => {
    const headers = securityHeaders();
    const [a, b] = [response(), response()];
    headers.apply(a);
    headers.apply(b);
    expect(a.getHeaders()).to.deep.equal(b.getHeaders());
  });
});
