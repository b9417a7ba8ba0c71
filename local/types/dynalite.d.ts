/** The part of dynalite (npm, no types of its own) the local DynamoDB stand-in uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Milliseconds a CreateTable stays CREATING; 0 makes tables ACTIVE at once. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A directory for the on-disk backend; never set here (in memory only). */
    path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
