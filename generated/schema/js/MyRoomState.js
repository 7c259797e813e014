// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

const schema = require("@colyseus/schema");
const Schema = schema.Schema;
const type = schema.type;
const Player = require("./Player");

class MyRoomState extends Schema {
    constructor () {
        super();
        this.players = new schema.MapSchema()
    }
}
type("number")(MyRoomState.prototype, "frame");
type({ map: Player })(MyRoomState.prototype, "players");

export default MyRoomState;
