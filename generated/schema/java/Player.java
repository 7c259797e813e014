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
	public class Player extends Schema {
	@SchemaField("0/string")		
		public String sessionId = "";

	@SchemaField("1/string")		
		public String userId = "";

	@SchemaField("2/int16")		
		public short seatIndex = 0;

	@SchemaField("3/boolean")		
		public boolean online = false;

	@SchemaField("4/float64")		
		public double x = 0;

	@SchemaField("5/float64")		
		public double y = 0;

	@SchemaField("6/boolean")		
		public boolean attacking = false;
	}
}
