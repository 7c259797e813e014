// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

const schema = require("@colyseus/schema");
const Schema = schema.Schema;
const type = schema.type;


class Player extends Schema {
    constructor () {
        super();

    }
}
type("string")(Player.prototype, "sessionId");
type("string")(Player.prototype, "userId");
type("int16")(Player.prototype, "seatIndex");
type("boolean")(Player.prototype, "online");
type("float64")(Player.prototype, "x");
type("float64")(Player.prototype, "y");
type("boolean")(Player.prototype, "attacking");

export default Player;
