// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

import Colyseus

public final class MyRoomState: SchemaRef, @unchecked Sendable {
    public var frame: Double { view["frame"] }
    public var players: MapSchema<Player> { mapOf("players") }
}
