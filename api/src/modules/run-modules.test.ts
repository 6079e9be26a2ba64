import { describe, expect, it } from 'vitest';
import { authModule } from '../domains/auth/auth.module.ts';
import type { DomainModule, ModuleBackends } from './domain-module.ts';
import { buildServices } from './run-modules.ts';

// The modules below read nothing of the backends; auth stops before it reads them.
const backends = {} as ModuleBackends;

interface Greeter {
  greet(who: string): string;
}

const provider: DomainModule<'provider', unknown, { provided: true }> = {
  name: 'provider',
  ports: (): { greeter: Greeter } => ({ greeter: { greet: (who) => `hello ${who}` } }),
  services: () => ({ provided: true }),
};

const consumer: DomainModule<'consumer', { greeter: Greeter }, { greeting: string }> = {
  name: 'consumer',
  services: (_backends, { greeter }) => ({ greeting: greeter.greet('consumer') }),
};

describe('buildServices', () => {
  it('hands a port to a module listed before its provider, and keeps ports out of the services', () => {
    expect(buildServices([consumer, provider], backends)).toEqual({
      greeting: 'hello consumer',
      provided: true,
    });
  });

  it('refuses a port provided twice, and a service named like a port', () => {
    const twice = { ...provider, name: 'again' } as const;
    expect(() => buildServices([provider, twice], backends)).toThrow(
      'module again provides port "greeter" a second time',
    );
    const clash: DomainModule<'clash', unknown, { greeter: string }> = {
      name: 'clash',
      services: () => ({ greeter: 'not a port' }),
    };
    expect(() => buildServices([provider, clash], backends)).toThrow(
      'module clash builds service "greeter" a second time',
    );
  });

  it('refuses a module listed before one it depends on', () => {
    const dependent = { ...consumer, name: 'dependent', dependsOn: [provider] } as const;
    expect(() => buildServices([dependent, provider], backends)).toThrow(
      'module dependent depends on provider, which must be listed before it',
    );
  });

  it('does not start auth without the users module, which provides its account store', () => {
    expect(() => buildServices([authModule], backends)).toThrow(
      'the auth module needs the accountStore port of the users module',
    );
  });
});
