// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 
#ifndef __SCHEMA_CODEGEN_PLAYER_H__
#define __SCHEMA_CODEGEN_PLAYER_H__ 1

#include "schema.h"
#include <typeinfo>
#include <typeindex>

using namespace colyseus::schema;


namespace FrameSync {
class Player : public Schema {
public:
	 string sessionId = "";
	 string userId = "";
	 int16_t seatIndex = 0;
	 bool online = false;
	 float64_t x = 0;
	 float64_t y = 0;
	 bool attacking = false;

	Player() {
		this->_indexes = {{0, "sessionId"}, {1, "userId"}, {2, "seatIndex"}, {3, "online"}, {4, "x"}, {5, "y"}, {6, "attacking"}};
		this->_types = {{0, "string"}, {1, "string"}, {2, "int16"}, {3, "boolean"}, {4, "float64"}, {5, "float64"}, {6, "boolean"}};
		this->_childPrimitiveTypes = {};
		this->_childSchemaTypes = {};
	}

	virtual ~Player() {
		
	}

protected:
	inline string getString(const string &field)
	{
		if (field == "sessionId")
		{
			return this->sessionId;

		} else if (field == "userId")
		{
			return this->userId;

		}
		return Schema::getString(field);
	}

	inline void setString(const string &field, string value)
	{
		if (field == "sessionId")
		{
			this->sessionId = value;
			return;

		} else if (field == "userId")
		{
			this->userId = value;
			return;

		}
		return Schema::setString(field, value);
	}
	inline int16_t getInt16(const string &field)
	{
		if (field == "seatIndex")
		{
			return this->seatIndex;

		}
		return Schema::getInt16(field);
	}

	inline void setInt16(const string &field, int16_t value)
	{
		if (field == "seatIndex")
		{
			this->seatIndex = value;
			return;

		}
		return Schema::setInt16(field, value);
	}
	inline bool getBoolean(const string &field)
	{
		if (field == "online")
		{
			return this->online;

		} else if (field == "attacking")
		{
			return this->attacking;

		}
		return Schema::getBoolean(field);
	}

	inline void setBoolean(const string &field, bool value)
	{
		if (field == "online")
		{
			this->online = value;
			return;

		} else if (field == "attacking")
		{
			this->attacking = value;
			return;

		}
		return Schema::setBoolean(field, value);
	}
	inline float64_t getFloat64(const string &field)
	{
		if (field == "x")
		{
			return this->x;

		} else if (field == "y")
		{
			return this->y;

		}
		return Schema::getFloat64(field);
	}

	inline void setFloat64(const string &field, float64_t value)
	{
		if (field == "x")
		{
			this->x = value;
			return;

		} else if (field == "y")
		{
			this->y = value;
			return;

		}
		return Schema::setFloat64(field, value);
	}


};
}

#endif
