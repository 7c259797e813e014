// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

package framesync.schema;

import io.colyseus.serializer.schema.Schema;
import io.colyseus.serializer.schema.annotations.SchemaClass;
import io.colyseus.serializer.schema.annotations.SchemaField;

@SchemaClass
	public class MyRoomState extends Schema {
	@SchemaField("0/number")		
		public float frame = 0;

	@SchemaField("1/map/ref")		
		public MapSchema<Player> players = new MapSchema<>(Player.class);
	}
}
