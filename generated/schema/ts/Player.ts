// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

import { Schema, type, ArraySchema, MapSchema, SetSchema, DataChange } from '@colyseus/schema';


export class Player extends Schema {
    @type("string") public sessionId!: string;
    @type("string") public userId!: string;
    @type("int16") public seatIndex!: number;
    @type("boolean") public online!: boolean;
    @type("float64") public x!: number;
    @type("float64") public y!: number;
    @type("boolean") public attacking!: boolean;
}
