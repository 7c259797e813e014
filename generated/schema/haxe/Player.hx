// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

package framesync.schema;
import io.colyseus.serializer.schema.Schema;
import io.colyseus.serializer.schema.types.*;

class Player extends Schema {
	@:type("string")
	public var sessionId: String = "";

	@:type("string")
	public var userId: String = "";

	@:type("int16")
	public var seatIndex: Int = -1;

	@:type("boolean")
	public var online: Bool = true;

	@:type("float64")
	public var x: Float = 0;

	@:type("float64")
	public var y: Float = 0;

	@:type("boolean")
	public var attacking: Bool = false;

}
