import { describe, expect, it } from 'vitest';
import { escapeHtml, passwordResetEmail, tokenLink, verificationEmail } from './email-messages.ts';

describe('identity emails', () => {
  it('builds links under the public URL with the token as a query parameter', () => {
    expect(tokenLink('https://tv.example', '/verify-email', 'abc-_123')).toBe(
      'https://tv.example/verify-email?token=abc-_123',
    );
    expect(tokenLink('https://tv.example', '/reset-password', 'a+b/c=')).toBe(
      'https://tv.example/reset-password?token=a%2Bb%2Fc%3D',
    );
  });

  it('puts the link, the greeting and the validity into both text and HTML', () => {
    const link = 'https://tv.example/verify-email?token=t0k&x=1';
    const email = verificationEmail({ username: 'ada', link, validHours: 24 });
    expect(email.text).toContain(`\n${link}\n`);
    expect(email.text).toContain('Hi ada,');
    expect(email.text).toContain('expires in 24 hours');
    expect(email.html).toContain('href="https://tv.example/verify-email?token=t0k&#38;x=1"');

    const reset = passwordResetEmail({ username: 'ada', link, validHours: 1 });
    expect(reset.subject).toBe('Reset your StreamHub password');
    expect(reset.text).toContain('expires in 1 hour.');
    expect(reset.text).toContain('signs you out everywhere');
  });

  it('escapes what goes into HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    expect(verificationEmail({ username: '<b>', link: 'l', validHours: 2 }).html).not.toContain('<b>');
  });
});
