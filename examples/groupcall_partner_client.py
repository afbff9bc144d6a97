# The Python partner client from Groupcall's "Partner Authentication" page
# (specs/groupcall-partner-auth.txt, section "Implementation Examples / Python"),
# kept as the vendor wrote it. Adapted only where the page hard-codes the URL and the
# credentials, so that it can run against `partner-auth serve`:
#   - API_BASE comes from the first argument or GROUPCALL_API_BASE (the page's value,
#     https://m5api.groupcall.com, stays the default);
#   - the customer id and API key come from GROUPCALL_CUSTOMER_ID and
#     GROUPCALL_CUSTOMER_API_KEY (the page's usage passes the literals '1469' and
#     'customer-api-key'); PARTNER_KEY and STYLE_CLASS are read from the environment as
#     on the page;
#   - the result is printed as JSON, and an exception exits with status 1.
# Needs the `requests` library: python3 -m pip install requests
import requests
import json
import os
import sys
from typing import List, Dict, Any

class CommunicationsPartnerClient:
    def __init__(self, partner_key: str, style_class: str):
        self.partner_key = partner_key
        self.style_class = style_class
        # Adapted: the page has 'https://m5api.groupcall.com' here.
        self.API_BASE = (sys.argv[1] if len(sys.argv) > 1 else
                         os.getenv('GROUPCALL_API_BASE', 'https://m5api.groupcall.com'))

    def send_sms(self, customer_id: str, customer_api_key: str,
                 message_data: Dict[str, Any]) -> Dict[str, Any]:
        payload = {
            'PartnerKey': self.partner_key,
            'styleClass': self.style_class,
            'messageData': [{
                'CustomerId': customer_id,
                'Password': customer_api_key,
                'SMSMessage': message_data['message'],
                'Recipients': [
                    {'MobileNumber': number}
                    for number in message_data['recipients']
                ],
                'ClientRef': message_data.get('client_ref'),
                'CallbackUrl': message_data.get('callback_url')
            }]
        }

        try:
            response = requests.post(
                f'{self.API_BASE}/api/SendMessage_V3/PartnerRoute',
                headers={'Content-Type': 'application/json'},
                json=payload,
                timeout=30
            )
            response.raise_for_status()
            return self._parse_response(response.json())
        except requests.RequestException as e:
            raise Exception(f'SMS sending failed: {str(e)}')

    def _parse_response(self, response: List[Dict]) -> Dict[str, Any]:
        if not response or not isinstance(response, list):
            raise Exception('Invalid response format')

        result = response[0]

        if (result.get('errorMsg', '').startswith('OK') and
                result.get('MessageId')):
            return {
                'success': True,
                'message_id': result['MessageId'],
                'status': result.get('statusMsg'),
                'timestamp': result.get('transmitDateTime')
            }

        error_msg = (result.get('errorMsg') or
                     (result.get('WarningMessages', [{}])[0] if result.get('WarningMessages') else None) or
                     'Unknown error')
        raise Exception(error_msg)

# Usage
client = CommunicationsPartnerClient(
    os.getenv('PARTNER_KEY'),
    os.getenv('STYLE_CLASS')
)

try:
    # Adapted: the page passes '1469', 'customer-api-key'.
    result = client.send_sms(os.getenv('GROUPCALL_CUSTOMER_ID', '1469'),
                             os.getenv('GROUPCALL_CUSTOMER_API_KEY', 'customer-api-key'), {
        'message': 'Hello from our platform!',
        'recipients': ['+447700900123'],
        'client_ref': 'PLATFORM-MSG-123',
        'callback_url': 'https://platform.com/sms-callback'
    })
except Exception as e:
    print(f'error: {e}', file=sys.stderr)
    sys.exit(1)
print(json.dumps(result))
