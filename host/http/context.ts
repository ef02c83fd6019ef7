/** What the front door works with: the app's functions, the engine, the Durable API, the keys. */
import type { Logger } from '../common/log';
import type { ApiContext } from '../durable/api';
import type { Engine } from '../durable/engine';
import type { FunctionRegistry } from '../runtime/core';
import type { Invoker } from '../runtime/invoke';
import type { AccessContext } from './access';

export interface ServerContext extends AccessContext {
  registry: FunctionRegistry;
  invoker: Invoker;
  engine: Engine;
  api: ApiContext;
  logger: Logger;
  routePrefix: string;
}
