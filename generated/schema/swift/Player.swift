// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

import Colyseus

public final class Player: SchemaRef, @unchecked Sendable {
    public var sessionId: String { view.string("sessionId") ?? "" }
    public var userId: String { view.string("userId") ?? "" }
    public var seatIndex: Double { view["seatIndex"] }
    public var online: Bool { view.bool("online") }
    public var x: Double { view["x"] }
    public var y: Double { view["y"] }
    public var attacking: Bool { view.bool("attacking") }
}
